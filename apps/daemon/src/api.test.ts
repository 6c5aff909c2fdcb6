import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import pino from 'pino';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commitFiles, git, tempDir, snapshotTree, startScriptedApi, type ScriptedApi } from '@hive/testkit';
import { miniHarnessPath } from '@hive/containers/testing';
import { loadConfig, startDaemon, type RunningDaemon } from './index.js';

const PORTS = { HIVE_MANAGER_PORT: '18000', HIVE_AGENT_PORT_BASE: '18100' };

/** A request as the operator's CLI sends it (the operator token), unless the test gives its own authorization. */
async function call(d: RunningDaemon, method: string, p: string, o: { body?: string; headers?: Record<string, string> } = {}) {
  const auth = { authorization: `Bearer ${d.hive.ctx.operator.token}` };
  const res = await fetch(d.url + p, { method, body: o.body, headers: { 'content-type': 'application/json', ...auth, ...o.headers } });
  const text = await res.text();
  return { status: res.status, json: (() => { try { return JSON.parse(text); } catch { return text; } })() };
}

describe('daemon HTTP API', () => {
  let d: RunningDaemon;
  let managerToken: string;
  beforeAll(async () => {
    const stateDir = tempDir('hive-api-');
    const config = loadConfig({ ...PORTS, HIVE_STATE_DIR: stateDir, HIVE_HARNESS_CMD: JSON.stringify([process.execPath, miniHarnessPath]), HIVE_SANDBOX: 'none' }, { dashboardPort: 0 });
    d = await startDaemon(config, { log: pino({ level: 'silent' }) });
    managerToken = readFileSync(path.join(stateDir, 'state', 'hm1nd', 'token'), 'utf8').trim();
  });
  afterAll(async () => {
    await d?.close();
  });

  it('serves the SPEC §8 state shape', async () => {
    const r = await call(d, 'GET', '/api/state');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ agents: [{ name: 'hm1nd', port: 18000, status: 'running' }], approvals: [], port_conflicts: [], questions: [] });
  });

  it('keeps the state until the database or the usage book changes, then builds it again', async () => {
    const hive = d.hive;
    const first = hive.state();
    expect(hive.state()).toBe(first);
    expect(hive.stateJson()).toBe(hive.stateJson());
    // A write by the daemon (a question), a write by another connection to the same file, an activity report.
    const q = hive.ctx.store.insertQuestion('hm1nd', 'cached?');
    const afterWrite = hive.state();
    expect(afterWrite).not.toBe(first);
    expect(afterWrite.questions.map((x) => x.id)).toContain(q.id);
    hive.ctx.store.answerQuestion(q.id, 'yes');
    const model = hive.state().agents.find((a) => a.name === 'hm1nd')!.config_model;
    const other = new Database(hive.ctx.layout.dbFile);
    const setModel = (m: string | null) => other.prepare('UPDATE agents SET model = ? WHERE name = ?').run(m, 'hm1nd');
    setModel('elsewhere');
    expect(hive.state().agents.find((a) => a.name === 'hm1nd')!.config_model).toBe('elsewhere');
    setModel(model);
    other.close();
    const beforeActivity = hive.state();
    hive.usage.setActivity('hm1nd', { activity: 'working' });
    expect(hive.state()).not.toBe(beforeActivity);
    expect(hive.state().agents.find((a) => a.name === 'hm1nd')!.activity).toBe('working');
    hive.usage.setActivity('hm1nd', { activity: 'idle' });
  });

  it('refuses a cross-origin mutation with 403 and changes nothing', async () => {
    const before = await snapshotTree(d.hive.ctx.layout.root);
    const r = await call(d, 'POST', '/api/agents', { body: '{"name":"coder"}', headers: { origin: 'http://evil.example' } });
    expect(r.status).toBe(403);
    expect(r.json.error).toMatch(/cross-origin/);
    expect(await snapshotTree(d.hive.ctx.layout.root)).toEqual(before);
  });

  it('refuses a mutation that is not JSON', async () => {
    const r = await call(d, 'POST', '/api/agents', { body: 'name=coder', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).toBe(415);
  });

  it('answers malformed JSON with a one-line 400', async () => {
    const r = await call(d, 'POST', '/api/agents', { body: '{"name":' });
    expect(r).toMatchObject({ status: 400, json: { error: 'malformed JSON body' } });
  });

  it.each(['..', '/x', 'A', 'toolongname', '', 'a b'])('refuses the name %j with 400', async (name) => {
    const r = await call(d, 'POST', '/api/agents', { body: JSON.stringify({ name }) });
    expect(r.status).toBe(400);
    expect(r.json.error).not.toContain('\n');
  });

  it('needs an agent token for the agent API', async () => {
    expect((await call(d, 'POST', '/api/agent/ask_operator', { body: '{"question":"hi"}' })).status).toBe(401);
    expect((await call(d, 'POST', '/api/agent/ask_operator', { body: '{"question":"hi"}', headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('questions round-trip: ask, list, answer once', async () => {
    const auth = { authorization: `Bearer ${managerToken}` };
    const q = await call(d, 'POST', '/api/agent/ask_operator', { body: '{"question":"may I?"}', headers: auth });
    expect(q.status).toBe(200);
    const id = q.json.question_id;
    expect((await call(d, 'GET', '/api/state')).json.questions[0]).toMatchObject({ id, question: 'may I?', answered: false });
    expect((await call(d, 'POST', `/api/questions/${id}/answer`, { body: '{"answer":"yes"}' })).status).toBe(200);
    expect((await call(d, 'POST', `/api/questions/${id}/answer`, { body: '{"answer":"again"}' })).status).toBe(409);
  });

  it('spawns an agent and refuses manager-only calls from it', async () => {
    expect((await call(d, 'POST', '/api/agents', { body: '{"name":"coder"}' })).status).toBe(201);
    const token = readFileSync(path.join(d.hive.ctx.layout.root, 'state', 'coder', 'token'), 'utf8').trim();
    const r = await call(d, 'POST', '/api/agent/request_apply_commit', { body: '{"name":"coder","sha":"abcdef12abcdef12abcdef12abcdef12abcdef12"}', headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(403);
    expect(r.json.error).toMatch(/manager-only/);
  });

  it.each(['--upload-pack=x', 'main', 'zz', 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef'])('refuses the sha %j and queues nothing', async (sha) => {
    const r = await call(d, 'POST', '/api/agent/request_apply_commit', { body: JSON.stringify({ name: 'coder', sha }), headers: { authorization: `Bearer ${managerToken}` } });
    expect([400, 404]).toContain(r.status);
    expect((await call(d, 'GET', '/api/approvals')).json.approvals.filter((a: { kind: string }) => a.kind === 'apply')).toEqual([]);
  });

  it('request_init_config queues a first config whose approval spawns the agent', async () => {
    const auth = { authorization: `Bearer ${managerToken}` };
    const r = await call(d, 'POST', '/api/agent/request_init_config', { body: '{"name":"iris"}', headers: auth });
    expect(r.status).toBe(200);
    const id = r.json.approval_id;
    expect((await call(d, 'GET', `/api/approvals/${id}`)).json).toMatchObject({ agent: 'iris', kind: 'init', status: 'pending' });
    const diff = await call(d, 'GET', `/api/approvals/${id}/diff`);
    expect(diff.json.files.map((f: { path: string }) => f.path).sort()).toEqual(['agent.nix', 'flake.nix']);
    expect((await call(d, 'GET', '/api/state')).json.agents.map((a: { name: string }) => a.name)).not.toContain('iris');
    // The manager moves main after asking: what deploys is still the sha the operator was shown.
    const proposed = path.join(d.hive.ctx.layout.root, 'agents', 'iris', 'config');
    await commitFiles(proposed, { 'late.nix': '{ }\n' }, 'late edit');
    const ok = await call(d, 'POST', `/api/approvals/${id}/approve`, { body: '{}' });
    const applied = path.join(d.hive.ctx.layout.root, 'applied', 'iris');
    expect((await git(applied, ['rev-parse', 'refs/tags/deployed/0'])).trim()).toBe(r.json.fetched_sha);
    expect(ok.json.approval).toMatchObject({ status: 'deployed', terminal_tag: 'deployed/0' });
    expect((await call(d, 'GET', '/api/state')).json.agents.find((a: { name: string }) => a.name === 'iris')).toMatchObject({ port: 18178, status: 'running' });
    expect((await call(d, 'POST', '/api/agent/request_init_config', { body: '{"name":"iris"}', headers: auth })).status).toBe(409);
  });

  it('answers unknown approvals and bad ids clearly', async () => {
    expect((await call(d, 'POST', '/api/approvals/999/approve', { body: '{}' })).status).toBe(404);
    expect((await call(d, 'POST', '/api/approvals/abc/approve', { body: '{}' })).status).toBe(400);
    expect((await call(d, 'POST', '/api/approvals/1/deny', { body: '{}' })).status).toBe(400);
  });

  it('lists events, newest first, filterable by agent', async () => {
    const r = await call(d, 'GET', '/api/events?agent=coder&limit=5');
    expect(r.status).toBe(200);
    expect(r.json.events.length).toBeGreaterThan(0);
    expect(r.json.events.every((e: { agent: string }) => e.agent === 'coder')).toBe(true);
  });

  it('never answers with a stack trace', async () => {
    const r = await call(d, 'GET', '/api/nope');
    expect(r.status).toBe(404);
    expect(JSON.stringify(r.json)).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('daemon config', () => {
  it('refuses a non-loopback bind without an operator token', () => {
    expect(loadConfig({ HIVE_STATE_DIR: '/tmp/x', HIVE_BIND: '0.0.0.0' }).bind).toBe('0.0.0.0');
  });
  it('names the bad setting in one line', () => {
    expect(() => loadConfig({ HIVE_STATE_DIR: '/tmp/x', HIVE_DASHBOARD_PORT: 'abc' })).toThrow(/^bad config HIVE_DASHBOARD_PORT="abc"/);
  });
});

/** The pid of the harness process running agent `name` (sandbox none: a child of this test process). */
function harnessPid(name: string): number | null {
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
      const env = readFileSync(`/proc/${e}/environ`, 'utf8').split('\0');
      if (cmd.includes('agent-harness') && env.includes(`HIVE_NAME=${name}`)) return Number(e);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 90_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('turn slots (HIVE_MAX_TURNS=1, real harnesses running the real claude CLI)', () => {
  let d: RunningDaemon;
  let api: ScriptedApi;
  const tokens: Record<string, string> = {};
  const gates = tempDir('hive-gates-');
  const saved = { ...process.env };
  // A HOLD turn runs a Bash tool that says it started, then waits for its gate file.
  const hold = (tag: string) => `touch ${gates}/${tag}.started; until [ -e ${gates}/${tag}.go ]; do sleep 0.05; done; echo released-${tag}`;

  beforeAll(async () => {
    api = await startScriptedApi([
      { lastUserText: /HOLD-(\w+)/, hasToolResult: false, reply: (ctx) => ({ toolUse: { name: 'Bash', input: { command: hold(/HOLD-(\w+)/.exec(ctx.lastUserText)![1]!), description: 'wait for the gate' } } }) },
      { hasToolResult: true, reply: (ctx) => ({ text: `held turn done: ${ctx.lastToolResult}` }) },
      { lastUserText: 'QUICK', reply: { text: 'quick turn done' } },
    ]);
    Object.assign(process.env, {
      ANTHROPIC_BASE_URL: api.url,
      ANTHROPIC_API_KEY: 'sk-ant-scripted',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_MAX_RETRIES: '0',
    });
    const stateDir = tempDir('hive-slots-');
    // The default harness command: this repo's agent-harness (dist/main.js).
    const config = loadConfig(
      { HIVE_MANAGER_PORT: '18400', HIVE_AGENT_PORT_BASE: '18500', HIVE_STATE_DIR: stateDir, HIVE_SANDBOX: 'none', HIVE_MAX_TURNS: '1' },
      { dashboardPort: 0 },
    );
    d = await startDaemon(config, { log: pino({ level: 'silent' }) });
    const r = await call(d, 'POST', '/api/agents', { body: '{"name":"coder"}' });
    expect(r.status).toBe(201);
    for (const n of ['hm1nd', 'coder']) tokens[n] = readFileSync(path.join(stateDir, 'state', n, 'token'), 'utf8').trim();
  }, 180_000);
  afterAll(async () => {
    await d?.close();
    await api?.close();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  });

  /** `from` sends `text` to `to`'s inbox: one turn. */
  const message = (from: string, to: string, text: string) =>
    fetch(`${d.url}/api/agent/send_message`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[from]}` }, body: JSON.stringify({ to, text }) }).then((r) => expect(r.status).toBe(200));
  const activityOf = async (name: string) => (await call(d, 'GET', '/api/state')).json.agents.find((a: { name: string }) => a.name === name)?.activity;
  const asked = (marker: string) => api.messages().filter((q) => q.lastUserText.includes(marker));

  it("runs the second agent's turn only after the first one's, the second showing queued meanwhile", async () => {
    await message('hm1nd', 'coder', 'HOLD-one please');
    await until('the held turn to start its tool', () => existsSync(`${gates}/one.started`));
    await message('coder', 'hm1nd', 'QUICK one');
    await until('hm1nd to be queued', async () => (await activityOf('hm1nd')) === 'queued');
    const events = (await call(d, 'GET', '/api/events?agent=hm1nd&limit=50')).json.events;
    expect(events.some((e: { type: string; data: { activity?: string } }) => e.type === 'AgentActivity' && e.data.activity === 'queued')).toBe(true);
    expect(asked('QUICK one')).toHaveLength(0);
    expect(await activityOf('coder')).toBe('working');
    writeFileSync(`${gates}/one.go`, '');
    await until('the quick turn to reach the API', () => asked('QUICK one').length > 0);
    const heldDone = api.messages().filter((q) => q.lastToolResult.includes('released-one'));
    expect(heldDone.length).toBeGreaterThan(0);
    // Every request of the quick turn came after the held turn's last one.
    expect(Math.min(...asked('QUICK one').map((q) => q.seq))).toBeGreaterThan(Math.max(...heldDone.map((q) => q.seq)));
    await until('both idle', async () => (await activityOf('hm1nd')) === 'idle' && (await activityOf('coder')) === 'idle');
  }, 180_000);

  it('frees the slot when the harness holding it is killed mid-turn, and the queued turn runs', async () => {
    await message('hm1nd', 'coder', 'HOLD-two please');
    await until('the held turn to start its tool', () => existsSync(`${gates}/two.started`));
    await message('coder', 'hm1nd', 'QUICK two');
    await until('hm1nd to be queued', async () => (await activityOf('hm1nd')) === 'queued');
    const pid = harnessPid('coder');
    expect(pid).not.toBeNull();
    process.kill(pid!, 'SIGKILL');
    // The gate stays shut: only the killed connection can have freed the slot.
    await until('the quick turn to reach the API', () => asked('QUICK two').length > 0);
    await until('hm1nd idle after its turn', async () => (await activityOf('hm1nd')) === 'idle');
    expect(existsSync(`${gates}/two.go`)).toBe(false);
    writeFileSync(`${gates}/two.go`, ''); // lets an orphaned tool process end
  }, 180_000);
});
