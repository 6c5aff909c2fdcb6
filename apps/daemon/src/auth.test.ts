import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { lstatSync, readFileSync, symlinkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { tempDir } from '@hive/testkit';
import { miniHarnessPath } from '@hive/containers/testing';
import { loadConfig, startDaemon, type RunningDaemon } from './index.js';

const PORTS = { HIVE_MANAGER_PORT: '18010', HIVE_AGENT_PORT_BASE: '18200' };

async function call(d: RunningDaemon, method: string, p: string, headers: Record<string, string> = {}, body?: string) {
  const res = await fetch(d.url + p, { method, body: method === 'GET' ? undefined : (body ?? '{}'), headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: (() => { try { return JSON.parse(text); } catch { return text; } })() };
}

function socketStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => resolve(-1));
  });
}

// Every operator route (SPEC §8), reads included: diffs, questions, messages and build notes are the operator's.
const OPERATOR_ROUTES: [string, string][] = [
  ['GET', '/api/state'],
  ['GET', '/api/approvals'],
  ['GET', '/api/approvals/1'],
  ['GET', '/api/approvals/1/diff'],
  ['POST', '/api/approvals/1/approve'],
  ['POST', '/api/approvals/1/deny'],
  ['POST', '/api/agents'],
  ['POST', '/api/agents/hm1nd/rebuild'],
  ['DELETE', '/api/agents/hm1nd'],
  ['GET', '/api/agents/hm1nd/logs'],
  ['POST', '/api/questions/1/answer'],
  ['GET', '/api/events'],
  ['GET', '/api/audit'],
  ['POST', '/api/auto-update'],
  ['GET', '/agents/hm1nd/api/state'],
  ['GET', '/agents/hm1nd/api/history'],
  ['POST', '/agents/hm1nd/api/chat'],
];

describe('operator authentication, loopback included', () => {
  let d: RunningDaemon;
  let stateDir: string;
  let managerToken: string;
  beforeAll(async () => {
    stateDir = tempDir('hive-auth-');
    const config = loadConfig({ ...PORTS, HIVE_STATE_DIR: stateDir, HIVE_HARNESS_CMD: JSON.stringify([process.execPath, miniHarnessPath]), HIVE_SANDBOX: 'none' }, { dashboardPort: 0 });
    d = await startDaemon(config, { log: pino({ level: 'silent' }) });
    managerToken = readFileSync(path.join(stateDir, 'state', 'hm1nd', 'token'), 'utf8').trim();
  });
  afterAll(async () => {
    await d?.close();
  });

  it('generates <state>/operator-token at first start, mode 0600, outside every agent bind', () => {
    const file = path.join(stateDir, 'operator-token');
    expect(lstatSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(d.hive.ctx.operator.token);
    expect(d.hive.ctx.operator.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers GET /api/health without a credential', async () => {
    expect(await call(d, 'GET', '/api/health')).toMatchObject({ status: 200, json: { ok: true } });
  });

  it.each(OPERATOR_ROUTES)('refuses %s %s without a credential, and with an agent token', async (method, p) => {
    const before = d.hive.ctx.store.listApprovals().length;
    const none = await call(d, method, p);
    expect(none.status).toBe(401);
    expect(none.json.error).toMatch(/operator login required/);
    const agent = await call(d, method, p, { authorization: `Bearer ${managerToken}` });
    expect(agent.status).toBe(401);
    expect(agent.json.error).toMatch(/agent token is not an operator credential/);
    expect(d.hive.ctx.store.listAgents().map((a) => a.name)).toEqual(['hm1nd']);
    expect(d.hive.ctx.store.listApprovals().length).toBe(before);
  });

  it('takes the operator token as a bearer (positive control), on the daemon and on agent pages', async () => {
    const auth = { authorization: `Bearer ${d.hive.ctx.operator.token}` };
    expect((await call(d, 'GET', '/api/state', auth)).status).toBe(200);
    const page = await call(d, 'GET', '/agents/hm1nd/api/state', auth);
    expect(page).toMatchObject({ status: 200, json: { name: 'hm1nd' } });
    // Whatever the harness answers is inert JSON on the dashboard's origin.
    expect(page.headers.get('content-type')).toMatch(/^application\/json/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('lists each agent page at its /agents/<n>/ url on the dashboard origin', async () => {
    const s = await call(d, 'GET', '/api/state', { authorization: `Bearer ${d.hive.ctx.operator.token}` });
    expect(s.json.agents[0].url).toBe(`${d.url}/agents/hm1nd/`);
  });

  it('refuses a wrong login and trades the right token for an HttpOnly SameSite=Strict session cookie', async () => {
    const wrong = await call(d, 'POST', '/api/login', {}, JSON.stringify({ token: 'x'.repeat(64) }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const ok = await call(d, 'POST', '/api/login', {}, JSON.stringify({ token: d.hive.ctx.operator.token }));
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^hive_session=\d+\.[0-9a-f]{64};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(d.hive.ctx.operator.token);
    const session = cookie.split(';')[0]!;
    expect((await call(d, 'GET', '/api/state', { cookie: session })).status).toBe(200);
    // A forged or expired cookie is nobody.
    expect((await call(d, 'GET', '/api/state', { cookie: `hive_session=9999999999.${'0'.repeat(64)}` })).status).toBe(401);
    expect((await call(d, 'GET', '/api/state', { cookie: `hive_session=1000000000.${session.split('.')[1]}` })).status).toBe(401);
  });

  it('the event socket needs the operator too: none or an agent token is 401, the token or a session opens it', async () => {
    const ws = d.url.replace('http', 'ws') + '/api/events/ws';
    expect(await socketStatus(ws)).toBe(401);
    expect(await socketStatus(ws, { authorization: `Bearer ${managerToken}` })).toBe(401);
    expect(await socketStatus(`${ws}?token=${managerToken}`)).toBe(401);
    expect(await socketStatus(ws, { authorization: `Bearer ${d.hive.ctx.operator.token}` })).toBe(101);
    const login = await call(d, 'POST', '/api/login', {}, JSON.stringify({ token: d.hive.ctx.operator.token }));
    expect(await socketStatus(ws, { cookie: login.headers.get('set-cookie')!.split(';')[0]! })).toBe(101);
  });

  it('records operator decisions and agent calls in the append-only audit', async () => {
    await call(d, 'POST', '/api/agent/ask_operator', { authorization: `Bearer ${managerToken}` }, JSON.stringify({ question: 'which model?' }));
    await call(d, 'POST', '/api/approvals/999/approve', { authorization: `Bearer ${d.hive.ctx.operator.token}` });
    const { json } = await call(d, 'GET', '/api/audit', { authorization: `Bearer ${d.hive.ctx.operator.token}` });
    const rows = json.audit as { actor: string; action: string; target: string | null; outcome: string; remote: string }[];
    expect(rows.find((r) => r.action === 'agent.ask_operator')).toMatchObject({ actor: 'agent:hm1nd', outcome: 'ok', remote: '127.0.0.1' });
    expect(rows.find((r) => r.action === 'approve')).toMatchObject({ actor: 'operator:token', target: 'approval 999', outcome: expect.stringMatching(/^refused 404/) });
    expect(rows.find((r) => r.action === 'login' && r.outcome.startsWith('refused 401'))).toBeTruthy();
    expect(() => d.hive.ctx.store.db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    expect(() => d.hive.ctx.store.db.prepare("UPDATE audit SET outcome = 'ok'").run()).toThrow(/append-only/);
  });
});

describe('the operator token file', () => {
  it('refuses to start when operator-token is a symlink (it is never followed)', async () => {
    const stateDir = tempDir('hive-auth-link-');
    mkdirSync(stateDir, { recursive: true });
    symlinkSync('/etc/hostname', path.join(stateDir, 'operator-token'));
    const config = loadConfig({ HIVE_STATE_DIR: stateDir, HIVE_SPAWN_MANAGER: '0' }, { dashboardPort: 0 });
    await expect(startDaemon(config, { log: pino({ level: 'silent' }) })).rejects.toThrow(/operator-token is not a regular file/);
  });
});
