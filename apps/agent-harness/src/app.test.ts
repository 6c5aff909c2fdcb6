import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HarnessState } from '@hive/protocol';
import { createApp } from './app.js';
import { inProcessHarness } from './test-support/in-process.js';

const pageDir = fileURLToPath(new URL('../dist/page/', import.meta.url));
const base = 'http://127.0.0.1:8202';

function setup() {
  const t = inProcessHarness();
  const app = createApp(t.harness, { pageDir });
  const req = (path: string, init: RequestInit = {}) => app.request(`${base}${path}`, init);
  return { ...t, app, req };
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
    expect(harness.history.list().at(-1)).toMatchObject({ role: 'agent', text: 'echo: hello' });
    const hist = (await (await req('/api/history')).json()) as { entries: unknown[] };
    expect(hist.entries).toHaveLength(2);
  });

  it('POST /api/inbox needs the agent token: missing or wrong is 401, right is 202', async () => {
    const { req, harness } = setup();
    const item = { kind: 'message', from: 'iris', text: 'ping' };
    expect((await req('/api/inbox', json(item))).status).toBe(401);
    expect((await req('/api/inbox', json(item, { authorization: 'Bearer agent-token-124' }))).status).toBe(401);
    expect((await req('/api/inbox', json(item, { authorization: 'Bearer short' }))).status).toBe(401);
    expect(harness.history.list()).toHaveLength(0);
    const ok = await req('/api/inbox', json(item, { authorization: 'Bearer agent-token-123' }));
    expect(ok.status).toBe(202);
    await harness.loop.idle();
    expect(harness.history.list().map((e) => e.role)).toEqual(['message', 'agent']);
  });

  it('POST /api/inbox refuses an item that does not match the schema', async () => {
    const { req } = setup();
    const res = await req('/api/inbox', json({ kind: 'gossip', from: 'x', text: 'y' }, { authorization: 'Bearer agent-token-123' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^kind: /);
  });

  it('errors are one-line JSON, never a stack', async () => {
    const { req } = setup();
    const res = await req('/api/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not found' });
    const bad = await req('/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'body is not valid JSON', code: 'BAD_REQUEST' });
  });

  it('serves the built page and refuses paths outside it', async () => {
    const { req } = setup();
    const page = await req('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<hive-harness-app>');
    expect((await req('/..%2f..%2fpackage.json')).status).toBe(404);
  });
});
