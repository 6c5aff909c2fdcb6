import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@hive/testkit';
import { miniHarnessPath } from '@hive/containers/testing';
import { loadConfig, startDaemon, type RunningDaemon } from './index.js';

const report = (turn: number, cost: number, extra: Record<string, unknown> = {}) => ({
  turn,
  ts: new Date().toISOString(),
  ok: true,
  cost_usd: cost,
  input_tokens: 100,
  output_tokens: 20,
  cache_read_input_tokens: 5,
  cache_creation_input_tokens: 0,
  num_turns: 2,
  duration_ms: 1234,
  model_usage: { 'claude-sonnet': { costUSD: cost } },
  ...extra,
});

describe('usage and activity, as harnesses report them', () => {
  let d: RunningDaemon;
  let token: string;
  const post = async (p: string, body: unknown, auth = token) =>
    fetch(d.url + p, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` }, body: JSON.stringify(body) });
  const agentState = async () => {
    const res = await fetch(d.url + '/api/state', { headers: { authorization: `Bearer ${d.hive.ctx.operator.token}` } });
    return ((await res.json()) as { agents: { name: string; usage: unknown; activity: string; model: string; config_model: string }[] }).agents[0]!;
  };

  beforeAll(async () => {
    const stateDir = tempDir('hive-usage-');
    const config = loadConfig(
      { HIVE_MANAGER_PORT: '18020', HIVE_AGENT_PORT_BASE: '18300', HIVE_STATE_DIR: stateDir, HIVE_HARNESS_CMD: JSON.stringify([process.execPath, miniHarnessPath]), HIVE_SANDBOX: 'none' },
      { dashboardPort: 0 },
    );
    d = await startDaemon(config, { log: pino({ level: 'silent' }) });
    token = readFileSync(path.join(stateDir, 'state', 'hm1nd', 'token'), 'utf8').trim();
  });
  afterAll(async () => {
    await d?.close();
  });

  it('sums each turn into usage since start and today', async () => {
    expect((await post('/api/agent/turn_report', report(1, 0.0125))).status).toBe(200);
    expect((await post('/api/agent/turn_report', report(2, 0.0075))).status).toBe(200);
    const a = await agentState();
    expect(a.usage).toEqual({
      cost_usd: 0.02,
      input_tokens: 210,
      output_tokens: 40,
      turns: 2,
      today: { cost_usd: 0.02, input_tokens: 210, output_tokens: 40, turns: 2 },
    });
  });

  it('refuses a malformed report with a one-line 400 and records nothing', async () => {
    const res = await post('/api/agent/turn_report', { turn: 'x' });
    expect(res.status).toBe(400);
    expect(((await agentState()).usage as { turns: number }).turns).toBe(2);
  });

  it('shows the reported activity, and waiting while the agent has an open question', async () => {
    expect((await agentState()).activity).toBe('idle');
    await post('/api/agent/activity', { activity: 'working' });
    expect((await agentState()).activity).toBe('working');
    const q = (await (await post('/api/agent/ask_operator', { question: 'opus or sonnet?' })).json()) as { question_id: number };
    expect((await agentState()).activity).toBe('waiting');
    await fetch(`${d.url}/api/questions/${q.question_id}/answer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${d.hive.ctx.operator.token}` },
      body: JSON.stringify({ answer: 'opus' }),
    });
    expect((await agentState()).activity).toBe('working');
  });

  it('shows the model the agent runs (a /model override) with the config default beside it', async () => {
    const before = await agentState();
    expect(before).toMatchObject({ model: 'sonnet', config_model: 'sonnet' });
    await post('/api/agent/activity', { activity: 'idle', model: 'opus' });
    expect(await agentState()).toMatchObject({ model: 'opus', config_model: 'sonnet', activity: 'idle' });
    const ev = d.hive.ctx.store.listEvents({ limit: 5 }).find((e) => e.type === 'AgentActivity');
    expect(ev?.data).toMatchObject({ agent: 'hm1nd', model: 'opus' });
  });

  it('raises TurnRecorded for each recorded turn, so the dashboard refreshes its figures', async () => {
    await post('/api/agent/turn_report', report(9, 0.001));
    const ev = d.hive.ctx.store.listEvents({ limit: 5 }).find((e) => e.type === 'TurnRecorded');
    expect(ev).toMatchObject({ agent: 'hm1nd', data: { turn: 9, ok: true, cost_usd: 0.001 } });
  });

  it('raises BudgetExceeded for the operator when a turn was stopped by the budget', async () => {
    await post('/api/agent/turn_report', report(3, 0, { ok: false, budget_exceeded: true, error: 'daily budget of $0.01 reached' }));
    const ev = d.hive.ctx.store.listEvents({ limit: 20 }).find((e) => e.type === 'BudgetExceeded');
    expect(ev).toMatchObject({ agent: 'hm1nd', data: { error: 'daily budget of $0.01 reached' } });
  });
});
