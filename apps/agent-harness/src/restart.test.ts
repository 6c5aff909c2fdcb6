import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ChatEntry, HarnessFrame } from '@hive/protocol';
import { argOf, claudeRuns, harnessEnv, startHarness, waitFor, daemonFetch, daemonAuth, TEST_DAEMON_KEY_SHA256 } from './test-support/harness-process.js';

async function history(url: string): Promise<ChatEntry[]> {
  const r = (await (await daemonFetch(`${url}/api/history`)).json()) as { entries: unknown[] };
  return r.entries.map((e) => ChatEntry.parse(e));
}

async function chat(url: string, text: string): Promise<void> {
  const res = await daemonFetch(`${url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
  expect(res.status).toBe(202);
}

describe('a restarted harness', () => {
  it('keeps the model override, and its next turn runs with it', async () => {
    const env = harnessEnv({ HIVE_MODEL: 'sonnet' });
    const a = await startHarness(env);
    const bad = await daemonFetch(`${a.url}/api/model`, { method: 'POST', body: new URLSearchParams({ model: 'no spaces' }) });
    expect(bad.status).toBe(400);
    const res = await daemonFetch(`${a.url}/api/model`, { method: 'POST', body: new URLSearchParams({ model: 'opus' }) });
    expect(res.status).toBe(200);
    await a.stop();

    const b = await startHarness(env);
    expect(await (await daemonFetch(`${b.url}/api/state`)).json()).toMatchObject({ model: 'opus', default_model: 'sonnet' });
    await chat(b.url, 'after restart');
    await waitFor(async () => (await history(b.url)).some((e) => e.role === 'agent'), 'the reply');
    expect(argOf(claudeRuns(b.claudeLog)[0]!, '--model')).toBe('opus');
    await b.stop();
  });

  it('shows the earlier conversation, continues turn numbers and resumes the claude session', async () => {
    const env = harnessEnv();
    const a = await startHarness(env);
    await chat(a.url, 'remember me');
    await waitFor(async () => (await history(a.url)).length === 2, 'the first reply');
    await a.stop();

    const b = await startHarness(env);
    expect((await history(b.url)).map((e) => [e.role, e.text, e.turn])).toEqual([
      ['operator', 'remember me', 1],
      ['agent', 'echo: remember me', 1],
    ]);
    await chat(b.url, 'again');
    await waitFor(async () => (await history(b.url)).length === 4, 'the second reply');
    expect((await history(b.url)).at(-1)).toMatchObject({ role: 'agent', text: 'echo: again', turn: 2 });
    const runs = claudeRuns(b.claudeLog);
    expect(argOf(runs[1]!, '--resume')).toBeTruthy();
    await b.stop();
  });
});

describe('the page socket /api/ws', () => {
  it('sends the state on connect, then entries and streamed deltas of a turn', async () => {
    const h = await startHarness(harnessEnv());
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/api/ws`, { headers: daemonAuth });
    const frames: HarnessFrame[] = [];
    ws.on('message', (d) => frames.push(HarnessFrame.parse(JSON.parse(String(d)))));
    await new Promise((r) => ws.once('open', r));
    await waitFor(() => frames.length > 0, 'the hello frame');
    expect(frames[0]).toMatchObject({ kind: 'state', state: { name: 'coder', busy: false } });
    await chat(h.url, 'stream me');
    await waitFor(() => frames.some((f) => f.kind === 'entry' && f.entry.role === 'agent'), 'the final entry');
    const deltas = frames.flatMap((f) => (f.kind === 'delta' ? [f.text] : []));
    expect(deltas.join('')).toBe('echo: stream me');
    expect(frames.some((f) => f.kind === 'state' && f.state.busy)).toBe(true);
    ws.close();
    await h.stop();
  });

  it('refuses a socket from a foreign origin', async () => {
    const h = await startHarness(harnessEnv());
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/api/ws`, { origin: 'http://evil.example', headers: daemonAuth });
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).on('error', () => resolve(-1)));
    expect(status).toBe(403);
    await h.stop();
  });

  it('refuses a socket without the daemon key, and one with the agent token or the key hash itself', async () => {
    const h = await startHarness(harnessEnv());
    const statusOf = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${h.port}/api/ws`, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).on('error', () => resolve(-1)).on('open', () => resolve(101));
      });
    expect(await statusOf({})).toBe(401);
    expect(await statusOf({ authorization: 'Bearer agent-token-123' })).toBe(401);
    expect(await statusOf({ authorization: `Bearer ${TEST_DAEMON_KEY_SHA256}` })).toBe(401);
    expect(await statusOf(daemonAuth)).toBe(101);
    await h.stop();
  });
});
