import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { commitFiles, git, snapshotTree, tempDir } from '@hive/testkit';
import { miniHarnessPath } from '@hive/containers/testing';
import { loadConfig, startDaemon, type RunningDaemon } from '../index.js';
import { hive } from '../test-support/daemon-process.js';
import { loadCorpus, type Endpoint, type Hostile } from './corpus.js';

// Own port block: test files bind fixed agent ports.
const PORTS = { HIVE_MANAGER_PORT: '39000', HIVE_AGENT_PORT_BASE: '39100' };
const corpus = loadCorpus();

interface Reply {
  status: number;
  text: string;
  json: { error?: unknown; code?: unknown } & Record<string, unknown>;
}

/** A stack frame as node prints them, or an error class name leaking out. */
const STACK = /\n\s+at |\bat [^\s]+ \(.*:\d+:\d+\)|\.(?:ts|js):\d+:\d+/;

/** Every mutating endpoint must refuse with a 4xx and a one-line `{error, code}`, never a stack. */
function expectRefused(r: Reply, what: string, status?: number | number[]) {
  const ctx = `${what} → ${r.status} ${r.text.slice(0, 300)}`;
  if (Array.isArray(status)) expect(status, ctx).toContain(r.status);
  else if (status) expect(r.status, ctx).toBe(status);
  else {
    expect(r.status, ctx).toBeGreaterThanOrEqual(400);
    expect(r.status, ctx).toBeLessThan(500);
  }
  expect(typeof r.json.error, ctx).toBe('string');
  const error = r.json.error as string;
  expect(error.length, ctx).toBeGreaterThan(0);
  expect(error.length, ctx).toBeLessThanOrEqual(600);
  expect(error, ctx).not.toMatch(/[\r\n]/);
  expect(r.text, ctx).not.toMatch(STACK);
  expect(Object.keys(r.json).sort(), ctx).toEqual(['code', 'error']);
}

describe('hostile input: every mutating endpoint refuses the corpus and changes nothing', () => {
  let d: RunningDaemon;
  let root: string;
  const tokens: Record<string, string> = {};
  let pendingId = 0;
  let questionId = 0;
  let freshSha = '';
  let foreignSha = '';

  async function send(method: string, p: string, o: { body?: string; headers?: Record<string, string | null> } = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    // The operator's token unless the request names its own (or null for none).
    const auth = { authorization: `Bearer ${d.hive.ctx.operator.token}` };
    for (const [k, v] of Object.entries({ 'content-type': 'application/json', ...auth, ...o.headers })) if (v !== null) headers[k] = v;
    const res = await fetch(d.url + p, { method, body: o.body, headers });
    const text = await res.text();
    let json: Reply['json'] = {};
    try {
      json = JSON.parse(text) as Reply['json'];
    } catch {
      /* not JSON: the assertions say so */
    }
    return { status: res.status, text, json };
  }

  /** A raw HTTP/1.1 request, for what fetch cannot send: a forged Host header, a WebSocket upgrade. */
  function raw(method: string, p: string, headers: Record<string, string>, body?: string): Promise<Reply & { upgraded: boolean }> {
    const { port } = new URL(d.url);
    return new Promise((resolve, reject) => {
      const length = body === undefined || headers['transfer-encoding'] ? {} : { 'content-length': String(Buffer.byteLength(body)) };
      const req = http.request({ host: '127.0.0.1', port, method, path: p, headers: { ...headers, ...length }, setHost: false }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let json: Reply['json'] = {};
          try {
            json = JSON.parse(text) as Reply['json'];
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, text, json, upgraded: false });
        });
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, text: '', json: {}, upgraded: true });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  // Operator endpoints get the operator token, so the corpus tests validation, not just the missing credential.
  const authFor = (e: Endpoint): Record<string, string> =>
    e.auth === 'manager'
      ? { authorization: `Bearer ${tokens.hm1nd}` }
      : e.auth === 'agent'
        ? { authorization: `Bearer ${tokens.coder}` }
        : { authorization: `Bearer ${d.hive.ctx.operator.token}` };

  /** A request each endpoint would carry out: only the one hostile part differs in the tests below. */
  function valid(e: Endpoint): { params: Record<string, string>; body: Record<string, unknown> | null } {
    switch (e.id) {
      case 'spawn':
        return { params: {}, body: { name: 'fresh' } };
      case 'rebuild':
      case 'destroy':
        return { params: { name: 'coder' }, body: null };
      case 'approve':
        return { params: { id: String(pendingId) }, body: null };
      case 'deny':
        return { params: { id: String(pendingId) }, body: { reason: 'not now' } };
      case 'answer':
        return { params: { id: String(questionId) }, body: { answer: 'yes' } };
      case 'request_init_config':
        return { params: {}, body: { name: 'fresh' } };
      case 'request_apply_commit':
        return { params: {}, body: { name: 'coder', sha: freshSha } };
      case 'ask_operator':
        return { params: {}, body: { question: 'may I?' } };
      case 'send_message':
        return { params: {}, body: { to: 'coder', text: 'hello' } };
      default:
        throw new Error(`corpus endpoint ${e.id} has no valid request in this test: add one`);
    }
  }

  function pathOf(e: Endpoint, params: Record<string, string>): string {
    return e.path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(params[k] ?? ''));
  }

  function request(e: Endpoint, o: { params?: Record<string, string>; body?: Record<string, unknown> | null; raw?: string; headers?: Record<string, string | null> } = {}) {
    const v = valid(e);
    const params = { ...v.params, ...o.params };
    const body = o.raw ?? (o.body === undefined ? (v.body ? JSON.stringify(v.body) : '{}') : JSON.stringify(o.body));
    return send(e.method, pathOf(e, params), { body, headers: { ...authFor(e), ...o.headers } });
  }

  /**
   * The state dir's files plus every DB row. Left out, because they change on their own:
   * SQLite's -wal/-shm (snapshotTree skips them; the rows below stand in for what they hold)
   * each agent's harness.log (the harness appends its own output whenever it likes), and the
   * daemon's proposal cache (cache/proposals/<n>: copies of objects the agent's own repo already
   * holds, refreshed by any request that names a full sha, refused or not; it is no state — removing
   * it costs the next request a full copy).
   */
  async function snapshot() {
    const files = await snapshotTree(root);
    for (const k of Object.keys(files)) if (/^state\/[^/]+\/harness\.log$/.test(k) || k.startsWith('cache/')) delete files[k];
    const db = d.hive.ctx.store.db;
    const rows = Object.fromEntries(
      ['agents', 'approvals', 'questions', 'messages', 'events', 'inbox'].map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()]),
    );
    return { files, rows };
  }

  /** Runs `fn` and proves the state dir and the DB are exactly as before. */
  async function unchanged(fn: () => Promise<void>) {
    const before = await snapshot();
    await fn();
    const after = await snapshot();
    expect(after.rows).toEqual(before.rows);
    expect(after.files).toEqual(before.files);
  }

  beforeAll(async () => {
    root = tempDir('hive-hostile-');
    const config = loadConfig(
      { ...PORTS, HIVE_STATE_DIR: root, HIVE_HARNESS_CMD: JSON.stringify([process.execPath, miniHarnessPath]), HIVE_SANDBOX: 'none' },
      { dashboardPort: 0 },
    );
    d = await startDaemon(config, { log: pino({ level: 'silent' }) });
    root = d.hive.ctx.layout.root;
    const token = (n: string) => readFileSync(path.join(root, 'state', n, 'token'), 'utf8').trim();
    tokens.hm1nd = token('hm1nd');
    for (const n of ['coder', 'gone']) expect((await send('POST', '/api/agents', { body: JSON.stringify({ name: n }) })).status).toBe(201);
    tokens.coder = token('coder');
    tokens.gone = token('gone');
    expect((await send('DELETE', '/api/agents/gone', { body: '{}' })).status).toBe(200);

    // A pending approval, an open question and a commit not yet requested: live targets for the hostile requests.
    const proposed = path.join(root, 'agents', 'coder', 'config');
    const sha = await commitFiles(proposed, { 'notes/one.md': 'one\n' }, 'one');
    const q = await send('POST', '/api/agent/request_apply_commit', { body: JSON.stringify({ name: 'coder', sha }), headers: { authorization: `Bearer ${tokens.hm1nd}` } });
    expect(q.status, q.text).toBe(200);
    pendingId = q.json.approval_id as number;
    freshSha = await commitFiles(proposed, { 'notes/two.md': 'two\n' }, 'two');
    foreignSha = (await git(path.join(root, 'agents', 'hm1nd', 'config'), ['rev-parse', 'HEAD'])).trim();
    const ask = await send('POST', '/api/agent/ask_operator', { body: '{"question":"which model?"}', headers: { authorization: `Bearer ${tokens.coder}` } });
    expect(ask.status).toBe(200);
    questionId = ask.json.question_id as number;
  });
  afterAll(async () => {
    await d?.close();
  });

  const valuesFor = (kind: string): Hostile[] =>
    kind === 'names' ? corpus.names : kind === 'ids' ? corpus.ids : kind === 'shas' ? [...corpus.shas, { value: foreignSha, why: "a commit of another agent's proposed repo" }] : [];

  it('the corpus names every mutating endpoint of SPEC §8', () => {
    expect(corpus.endpoints.map((e) => e.id).sort()).toEqual(
      ['answer', 'approve', 'ask_operator', 'deny', 'destroy', 'rebuild', 'request_apply_commit', 'request_init_config', 'send_message', 'spawn'].sort(),
    );
    expect(corpus.names.length).toBeGreaterThan(20);
    expect(corpus.names.some((n) => n.value.length >= 10_240)).toBe(true);
    expect(corpus.names.some((n) => n.value.includes('\0'))).toBe(true);
  });

  it.each(corpus.endpoints.map((e) => [e.id, e] as const))('%s: hostile params, fields, wrong types and malformed bodies are refused', async (_id, e) => {
    await unchanged(async () => {
      for (const [param, kind] of Object.entries(e.params ?? {}))
        for (const h of valuesFor(kind)) expectRefused(await request(e, { params: { [param]: h.value } }), `${e.id} ${param}=${JSON.stringify(h.value.slice(0, 40))} (${h.why})`);

      const base = valid(e).body ?? {};
      for (const [field, kind] of Object.entries(e.body ?? {})) {
        for (const h of valuesFor(kind)) expectRefused(await request(e, { body: { ...base, [field]: h.value } }), `${e.id} ${field}=${JSON.stringify(h.value.slice(0, 40))} (${h.why})`);
        for (const v of corpus.wrongTypes[field] ?? []) expectRefused(await request(e, { body: { ...base, [field]: v } }), `${e.id} ${field}=${JSON.stringify(v).slice(0, 60)}`, 400);
        const { [field]: _missing, ...without } = base;
        expectRefused(await request(e, { body: without }), `${e.id} without ${field}`, 400);
      }

      // Body-less endpoints too: a body that is not a JSON object is a confused client, not a go-ahead.
      for (const b of corpus.bodies) expectRefused(await request(e, { raw: b.raw }), `${e.id} body ${b.why}`, 400);
      // Over the size limit, with a declared length and streamed in chunks.
      const v = valid(e);
      const headers = { host: new URL(d.url).host, 'content-type': 'application/json', ...authFor(e) };
      for (const b of corpus.oversized) {
        expectRefused(await raw(e.method, pathOf(e, v.params), headers, b.raw), `${e.id} body ${b.why}`, 413);
        expectRefused(await raw(e.method, pathOf(e, v.params), { ...headers, 'transfer-encoding': 'chunked' }, b.raw), `${e.id} chunked body ${b.why}`, 413);
      }
    });
  });

  it('agent calls refuse a missing, malformed or foreign token with 401', async () => {
    const m = tokens.hm1nd!;
    const agentCalls = corpus.endpoints.filter((e) => e.auth !== 'operator');
    await unchanged(async () => {
      for (const e of agentCalls)
        for (const t of corpus.tokens) {
          const header = t.header?.replace('{manager}', m).replace('{manager-prefix}', m.slice(0, 24)).replace('{destroyed}', tokens.gone!) ?? null;
          expectRefused(await request(e, { headers: { authorization: header } }), `${e.id} with ${t.why}`, 401);
        }
      // The agent API reads its token from the header only, never from the query string.
      expectRefused(await send('POST', `/api/agent/ask_operator?token=${m}`, { body: '{"question":"hi"}' }), 'token in the query', 401);
    });
  });

  it('manager-only calls refuse another agent with 403', async () => {
    await unchanged(async () => {
      for (const e of corpus.endpoints.filter((x) => x.auth === 'manager')) {
        const r = await request(e, { headers: { authorization: `Bearer ${tokens.coder}` } });
        expectRefused(r, `${e.id} as coder`, 403);
        expect(r.json.error).toMatch(/manager-only/);
      }
    });
  });

  it('cross-origin mutations are refused with 403, whatever the token', async () => {
    const host = new URL(d.url).host;
    await unchanged(async () => {
      for (const e of corpus.endpoints)
        for (const o of corpus.origins) {
          const r = await request(e, { headers: { origin: o.value.replace('{host}', host) } });
          expectRefused(r, `${e.id} from ${o.why}`, 403);
          expect(r.json.error).toMatch(/cross-origin/);
        }
    });
  });

  it('a DNS-rebinding page (foreign Host, Origin to match) is refused with 403 on every call, reads and the live socket included', async () => {
    const { port } = new URL(d.url);
    const wsHeaders = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    await unchanged(async () => {
      for (const h of corpus.hosts) {
        const host = h.value.replace('{port}', port);
        const headers = { host, origin: `http://${host}`, 'content-type': 'application/json' };
        const refused = (r: Reply, what: string) => {
          if (h.adapter) return expect(r, what).toMatchObject({ status: 400, text: '' });
          expectRefused(r, what, 403);
          expect(r.json.error).toMatch(/DNS rebinding/);
        };
        for (const e of corpus.endpoints) {
          const v = valid(e);
          refused(await raw(e.method, pathOf(e, v.params), { ...headers, ...authFor(e) }, v.body ? JSON.stringify(v.body) : '{}'), `${e.id} for ${h.why}`);
        }
        refused(await raw('GET', '/api/state', { host }), `GET /api/state for ${h.why}`);
        const ws = await raw('GET', '/api/events/ws', { host, ...wsHeaders });
        expect(ws.upgraded, `live socket for ${h.why}`).toBe(false);
        expect(ws.status, `live socket for ${h.why}`).toBe(403);
      }
    });
    // Loopback names still reach it (with the operator token), the live socket too.
    const op = { authorization: `Bearer ${d.hive.ctx.operator.token}` };
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `127.0.0.2:${port}`, `hive.localhost:${port}`])
      expect((await raw('GET', '/api/state', { host, ...op })).status, host).toBe(200);
    expect(await raw('GET', '/api/events/ws', { host: `127.0.0.1:${port}`, ...wsHeaders, ...op })).toMatchObject({ upgraded: true, status: 101 });
  });

  it('form-encoded, text and typeless mutations are refused with 415', async () => {
    const types: [string | null, string][] = [
      ['application/x-www-form-urlencoded', 'name=fresh&reason=x&answer=x&question=x&to=coder&text=x'],
      ['text/plain', '{"name":"fresh"}'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nfresh\r\n--x--\r\n'],
      [null, '{"name":"fresh"}'],
    ];
    await unchanged(async () => {
      for (const e of corpus.endpoints)
        for (const [type, raw] of types) expectRefused(await request(e, { raw, headers: { 'content-type': type } }), `${e.id} as ${type}`, 415);
    });
  });

  it('the live targets were untouched: the pending approval and the open question still resolve normally', async () => {
    const e = (id: string) => corpus.endpoints.find((x) => x.id === id)!;
    const a = await request(e('deny'));
    expect(a.status, a.text).toBe(200);
    expect(a.json.approval).toMatchObject({ id: pendingId, status: 'denied', terminal_tag: `denied/${pendingId}`, note: 'not now' });
    const q = await request(e('answer'));
    expect(q.status, q.text).toBe(200);
    expect((await request(e('ask_operator'))).status).toBe(200);
    expect((await request(e('send_message'))).status).toBe(200);
  });

  it('the CLI refuses `spawn ..`, `approve abc` and `deny 1` without --reason: exit 1, one line on stderr', async () => {
    const env = { HIVE_URL: d.url, HIVE_STATE_DIR: root, PATH: process.env.PATH ?? '' };
    await unchanged(async () => {
      for (const args of [['spawn', '..'], ['spawn', 'a/b'], ['approve', 'abc'], ['approve', '0'], ['deny', '1'], ['deny', 'abc', '--reason', 'x'], ['diff', '../1']]) {
        const r = await hive(args, env);
        expect(r.code, `hive ${args.join(' ')}: ${r.stderr}`).toBe(1);
        expect(r.stderr.trim().split('\n'), `hive ${args.join(' ')}`).toHaveLength(1);
        expect(r.stderr, `hive ${args.join(' ')}`).toMatch(/^hive: /);
        expect(r.stdout).toBe('');
      }
    });
  });
});
