import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ChatEntry, HarnessFrame } from '@hive/protocol';
import { startScriptedApi, type RecordedRequest, type ScriptedApi } from '@hive/testkit';
import { harnessEnv, startHarness, waitFor, daemonFetch, daemonAuth, TEST_DAEMON_KEY_SHA256, type RunningHarness } from './test-support/harness-process.js';

// One scripted API for the file; every harness below runs the real claude CLI against it.
let api: ScriptedApi;
beforeAll(async () => {
  api = await startScriptedApi([
    { lastUserText: 'after restart', reply: { text: 'still on the override' } },
    { lastUserText: 'remember me', reply: { text: 'noted, I will remember you' } },
    { lastUserText: 'again', reply: { text: 'you again: we spoke before' } },
    { lastUserText: 'stream me', reply: { text: 'streamed through the socket, chunk by chunk, to the page' } },
  ]);
});
afterAll(async () => {
  await api?.close();
});

const requestsFor = (text: string): RecordedRequest[] => api.messages().filter((r) => r.lastUserText === text);
const sessionFile = (stateDir: string): string => (JSON.parse(readFileSync(path.join(stateDir, 'session.json'), 'utf8')) as { session_id: string }).session_id;

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
    const env = harnessEnv(api.url, { HIVE_MODEL: 'sonnet' });
    const a = await startHarness(env);
    const bad = await daemonFetch(`${a.url}/api/model`, { method: 'POST', body: new URLSearchParams({ model: 'no spaces' }) });
    expect(bad.status).toBe(400);
    const res = await daemonFetch(`${a.url}/api/model`, { method: 'POST', body: new URLSearchParams({ model: 'opus' }) });
    expect(res.status).toBe(200);
    await a.stop();

    const b = await startHarness(env);
    expect(await (await daemonFetch(`${b.url}/api/state`)).json()).toMatchObject({ model: 'opus', default_model: 'sonnet' });
    await chat(b.url, 'after restart');
    await waitFor(async () => (await history(b.url)).some((e) => e.role === 'agent'), 'the reply', 60_000);
    expect((await history(b.url)).find((e) => e.role === 'agent')?.text).toBe('still on the override');
    const [req] = requestsFor('after restart');
    expect(req!.model).toMatch(/opus/);
    await b.stop();
  });

  it('shows the earlier conversation, continues turn numbers and resumes the claude session', async () => {
    const env = harnessEnv(api.url);
    const a = await startHarness(env);
    await chat(a.url, 'remember me');
    await waitFor(async () => (await history(a.url)).some((e) => e.role === 'agent'), 'the first reply', 60_000);
    await waitFor(async () => !((await (await daemonFetch(`${a.url}/api/state`)).json()) as { busy: boolean }).busy, 'the first turn to end');
    const session = sessionFile(a.stateDir);
    await a.stop();

    const b = await startHarness(env);
    const before = (await history(b.url)).map((e) => [e.role, e.text, e.turn]);
    expect(before.filter((e) => e[0] !== 'system')).toEqual([
      ['operator', 'remember me', 1],
      ['agent', 'noted, I will remember you', 1],
    ]);
    // The turn's usage line came back with it.
    expect(before.filter((e) => e[0] === 'system')).toEqual([['system', expect.stringMatching(/^\$0\.\d{4} · 100 in \/ 20 out$/), 1]]);
    await chat(b.url, 'again');
    await waitFor(async () => (await history(b.url)).some((e) => e.turn === 2 && e.role === 'agent'), 'the second reply', 60_000);
    expect((await history(b.url)).find((e) => e.turn === 2 && e.role === 'agent')).toMatchObject({ text: 'you again: we spoke before' });
    // --resume: the restarted harness's call carries the same claude session and the earlier conversation.
    const [resumed] = requestsFor('again');
    expect(resumed!.headers['x-claude-code-session-id']).toBe(session);
    const earlier = JSON.stringify((resumed!.body as { messages: unknown[] }).messages);
    expect(earlier).toContain('remember me');
    expect(earlier).toContain('noted, I will remember you');
    expect(sessionFile(b.stateDir)).toBe(session);
    await b.stop();
  });
});

describe('the page socket /api/ws', () => {
  // One harness process for the socket tests: a start costs a node boot.
  let h: RunningHarness;
  beforeAll(async () => {
    h = await startHarness(harnessEnv(api.url));
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('sends the state on connect, then entries and streamed deltas of a turn', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/api/ws`, { headers: daemonAuth });
    const frames: HarnessFrame[] = [];
    ws.on('message', (d) => frames.push(HarnessFrame.parse(JSON.parse(String(d)))));
    await new Promise((r) => ws.once('open', r));
    await waitFor(() => frames.length > 0, 'the hello frame');
    expect(frames[0]).toMatchObject({ kind: 'state', state: { name: 'coder', busy: false } });
    await chat(h.url, 'stream me');
    await waitFor(() => frames.some((f) => f.kind === 'entry' && f.entry.role === 'agent'), 'the final entry', 60_000);
    const deltas = frames.flatMap((f) => (f.kind === 'delta' ? [f.text] : []));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('streamed through the socket, chunk by chunk, to the page');
    expect(frames.find((f) => f.kind === 'entry' && f.entry.role === 'agent')).toMatchObject({ entry: { text: 'streamed through the socket, chunk by chunk, to the page' } });
    expect(frames.some((f) => f.kind === 'state' && f.state.busy)).toBe(true);
    ws.close();
  });

  it('refuses a socket from a foreign origin', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/api/ws`, { origin: 'http://evil.example', headers: daemonAuth });
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).on('error', () => resolve(-1)));
    expect(status).toBe(403);
  });

  it('refuses a socket without the daemon key, and one with the agent token or the key hash itself', async () => {
    const statusOf = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${h.port}/api/ws`, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).on('error', () => resolve(-1)).on('open', () => resolve(101));
      });
    expect(await statusOf({})).toBe(401);
    expect(await statusOf({ authorization: 'Bearer agent-token-123' })).toBe(401);
    expect(await statusOf({ authorization: `Bearer ${TEST_DAEMON_KEY_SHA256}` })).toBe(401);
    expect(await statusOf(daemonAuth)).toBe(101);
  });
});
