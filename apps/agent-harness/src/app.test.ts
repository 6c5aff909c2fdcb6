import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarnessState } from '@hive/protocol';
import { startScriptedApi, type ScriptedApi } from '@hive/testkit';
import { createApp, HTTP_STATUS } from './app.js';
import type { Harness } from './harness.js';
import { inProcessHarness } from './test-support/in-process.js';
import { daemonAuth, TEST_DAEMON_KEY_SHA256 } from './test-support/harness-process.js';

const pageDir = fileURLToPath(new URL('../dist/page/', import.meta.url));
const base = 'http://127.0.0.1:8202';

// One scripted API for the file: the real claude CLI runs every turn these routes queue.
let api: ScriptedApi;
const running: Harness[] = [];
beforeAll(async () => {
  api = await startScriptedApi([
    { lastUserText: 'hello', reply: { text: 'Hello, operator.' } },
    { lastUserText: 'ping', reply: { text: 'pong, iris' } },
  ]);
});
afterAll(async () => {
  for (const h of running.splice(0)) await h.close();
  await api?.close();
});

function setup() {
  const t = inProcessHarness(api.url);
  running.push(t.harness);
  const app = createApp(t.harness, { pageDir });
  // As the daemon calls it: with its key (tests of the key itself use `bare`).
  const req = (path: string, init: RequestInit = {}) =>
    app.request(`${base}${path}`, { ...init, headers: { ...daemonAuth, ...(init.headers as Record<string, string> | undefined) } });
  const bare = (path: string, init: RequestInit = {}) => app.request(`${base}${path}`, init);
  return { ...t, app, req, bare };
}

const form = (model: string, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams({ model }).toString(),
});
const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('harness credentials: only the daemon key opens the page API', () => {
  it('answers GET /api/health with the name and the settings generation (null: as started) and nothing else, without a credential', async () => {
    const { bare } = setup();
    const res = await bare('/api/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, name: 'coder', settings: null });
  });

  it('refuses state, history, chat, model, cancel, inbox and the health check without the key, with the agent token and with the key hash', async () => {
    const { bare, harness } = setup();
    const calls: [string, RequestInit][] = [
      ['/api/state', {}],
      ['/api/history', {}],
      ['/api/chat', json({ text: 'hi, I am the operator' })],
      ['/api/model', form('opus')],
      ['/api/cancel', json({})],
      ['/api/inbox', json({ kind: 'operator', from: 'operator', text: 'forged' })],
      // Each check starts the agent's MCP servers: not something its own processes may trigger.
      ['/api/health-check', json({ timeout_ms: 1000 })],
    ];
    const auths: Record<string, string>[] = [{}, { authorization: 'Bearer agent-token-123' }, { authorization: `Bearer ${TEST_DAEMON_KEY_SHA256}` }];
    for (const auth of auths) {
      for (const [path, init] of calls) {
        const res = await bare(path, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...auth } });
        expect(res.status, `${path} with ${JSON.stringify(auth)}`).toBe(401);
        expect(((await res.json()) as { error: string }).error).toMatch(/dashboard/);
      }
    }
    expect(harness.history.list(100)).toEqual([]);
    expect(harness.models.current()).toBe('sonnet');
  });

  it('takes the daemon key (positive control)', async () => {
    const { req } = setup();
    expect((await req('/api/state')).status).toBe(200);
  });

  it('refuses everything when it was started without a key hash', async () => {
    const t = inProcessHarness(api.url, { daemonKeySha256: null });
    const app = createApp(t.harness, { pageDir });
    const res = await app.request(`${base}/api/state`, { headers: daemonAuth });
    expect(res.status).toBe(401);
  });
});

describe('harness HTTP API', () => {
  it('GET /api/state answers the harness state schema', async () => {
    const { req } = setup();
    const res = await req('/api/state');
    expect(res.status).toBe(200);
    expect(HarnessState.parse(await res.json())).toMatchObject({ name: 'coder', label: 'coder', model: 'sonnet', default_model: 'sonnet', busy: false, queue: 0 });
  });

  it('POST /api/model (form-encoded) switches the model and answers the new state', async () => {
    const { req, harness } = setup();
    const res = await req('/api/model', form('opus'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ model: 'opus', default_model: 'sonnet' });
    expect(JSON.parse(readFileSync(harness.models.file, 'utf8'))).toMatchObject({ model: 'opus' });
  });

  it('POST /api/model refuses a bad name with one line and writes nothing', async () => {
    const { req, harness } = setup();
    const res = await req('/api/model', form('--dangerously-skip-permissions'));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string };
    expect(body.error).toMatch(/^invalid model: /);
    expect(body.error).not.toContain('\n');
    expect(existsSync(harness.models.file)).toBe(false);
    expect(harness.state().model).toBe('sonnet');
  });

  it('refuses mutations from a foreign Origin with 403 and accepts the page own origin', async () => {
    const { req, harness } = setup();
    const evil = { origin: 'http://evil.example' };
    expect((await req('/api/model', form('opus', evil))).status).toBe(403);
    expect((await req('/api/chat', json({ text: 'hi' }, evil))).status).toBe(403);
    expect((await req('/api/cancel', json({}, evil))).status).toBe(403);
    expect(harness.state().model).toBe('sonnet');
    expect(harness.history.list()).toHaveLength(0);
    expect((await req('/api/model', form('opus', { origin: base }))).status).toBe(200);
  });

  it('answers only loopback Host names (DNS-rebinding guard)', async () => {
    const { req, harness } = setup();
    const rebound = { host: 'evil.example:8202' };
    expect((await req('/api/state', { headers: rebound })).status).toBe(403);
    expect((await req('/api/chat', json({ text: 'hi' }, { ...rebound, origin: 'http://evil.example:8202' }))).status).toBe(403);
    expect(harness.history.list()).toHaveLength(0);
    expect((await req('/api/state', { headers: { host: 'localhost:8202' } })).status).toBe(200);
  });

  it('JSON mutations need the JSON content type', async () => {
    const { req, harness } = setup();
    const res = await req('/api/chat', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"text":"hi"}' });
    expect(res.status).toBe(415);
    expect(harness.history.list()).toHaveLength(0);
  });

  it('POST /api/chat queues an operator turn', async () => {
    const { req, harness } = setup();
    const res = await req('/api/chat', json({ text: 'hello' }));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ entry: { role: 'operator', text: 'hello', turn: 1 } });
    await harness.loop.idle();
    const hist = (await (await req('/api/history')).json()) as { entries: { role: string; text: string; turn: number }[] };
    expect(hist.entries.map((e) => [e.role, e.turn])).toEqual([
      ['operator', 1],
      ['agent', 1],
      ['system', 1],
    ]);
    expect(hist.entries[1]!.text).toBe('Hello, operator.');
    // The reply came from the real CLI's call to the API, with the operator's text as the prompt.
    expect(api.messages().some((r) => r.lastUserText === 'hello')).toBe(true);
  });

  it('POST /api/inbox needs the daemon key: none, the agent token or a wrong key is 401, the key is 202', async () => {
    const { req, bare, harness } = setup();
    const item = { kind: 'message', from: 'iris', text: 'ping' };
    expect((await bare('/api/inbox', json(item))).status).toBe(401);
    expect((await bare('/api/inbox', json(item, { authorization: 'Bearer agent-token-123' }))).status).toBe(401);
    expect((await bare('/api/inbox', json(item, { authorization: 'Bearer short' }))).status).toBe(401);
    expect(harness.history.list()).toHaveLength(0);
    const ok = await req('/api/inbox', json(item));
    expect(ok.status).toBe(202);
    await harness.loop.idle();
    expect(harness.history.list().map((e) => [e.role, e.text])).toEqual([
      ['message', 'iris: ping'],
      ['agent', 'pong, iris'],
      ['system', expect.stringMatching(/^\$0\.\d{4} · 100 in \/ 20 out$/)],
    ]);
    expect(api.messages().at(-1)!.lastUserText).toBe('[message from iris]\nping');
  });

  it('POST /api/inbox refuses an item that does not match the schema', async () => {
    const { req } = setup();
    const res = await req('/api/inbox', json({ kind: 'gossip', from: 'x', text: 'y' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^kind: /);
  });

  it('errors are one-line JSON, never a stack', async () => {
    const { req } = setup();
    const res = await req('/api/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'no route GET /api/nope', code: 'NOT_FOUND' });
    const bad = await req('/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'malformed JSON body', code: 'BAD_REQUEST' });
  });

  it('answers every refusal as {error, code}, like the daemon', async () => {
    const { req, bare } = setup();
    const answers: [Response, number, string][] = [
      [await bare('/api/state'), 401, 'UNAUTHORIZED'],
      [await req('/api/cancel', json({}, { origin: 'http://evil.example' })), 403, 'FORBIDDEN'],
      [await req('/api/state', { headers: { host: 'evil.example:8202' } }), 403, 'FORBIDDEN'],
      [await req('/api/chat', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [await req('/api/chat', json({ text: 'x'.repeat(300 * 1024) })), 413, 'PAYLOAD_TOO_LARGE'],
      [await req('/api/model', form('not a model!')), 400, 'BAD_REQUEST'],
      [await req('/no-such-file.js'), 404, 'NOT_FOUND'],
    ];
    for (const [res, status, code] of answers) {
      expect(res.status, code).toBe(status);
      const body = (await res.json()) as { error: unknown; code: unknown };
      expect(Object.keys(body).sort()).toEqual(['code', 'error']);
      expect(body.code).toBe(code);
      expect(typeof body.error === 'string' && body.error.length > 0 && !body.error.includes('\n')).toBe(true);
    }
  });

  it('serves the built page and refuses paths outside it', async () => {
    const { req } = setup();
    const page = await req('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<hive-harness-app>');
    expect((await req('/..%2f..%2fpackage.json')).status).toBe(404);
  });
});

describe('harness error codes → HTTP statuses, in one table', () => {
  const src = path.dirname(fileURLToPath(import.meta.url));
  const production = readdirSync(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'testing.ts');

  it('has a status for every error code the harness declares', () => {
    const codes = production.flatMap((f) => [...readFileSync(path.join(src, f), 'utf8').matchAll(/readonly code = '([A-Z_]+)'/g)].map((m) => m[1]!));
    expect(codes.length).toBeGreaterThan(2);
    expect(codes.filter((c) => !Object.hasOwn(HTTP_STATUS, c))).toEqual([]);
  });

  it('leaves statuses out of the error classes', () => {
    for (const f of production) expect(readFileSync(path.join(src, f), 'utf8'), f).not.toMatch(/override readonly status\b|\bstatus\s*=\s*\d{3}\b/);
  });
});
