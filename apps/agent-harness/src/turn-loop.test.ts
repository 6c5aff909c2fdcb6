import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboxItem } from '@hive/protocol';
import { commitFiles, git, initRepo } from '@hive/testkit';
import { budgetLine } from './usage.js';
import { realHarness, type RealHarness } from './test-support/real-claude.js';
import { waitFor } from './test-support/harness-process.js';

const op = (text: string): InboxItem => ({ kind: 'operator', from: 'operator', text });
const open: RealHarness[] = [];
async function start(...args: Parameters<typeof realHarness>): Promise<RealHarness> {
  const h = await realHarness(...args);
  open.push(h);
  return h;
}
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

const rows = (h: RealHarness) => h.harness.history.list().map((e) => [e.role, e.text, e.turn]);

describe('the turn loop with the real claude CLI', () => {
  it('a text turn streams its deltas into the page once, records the reply and the usage line under it', async () => {
    const h = await start({ rules: [{ lastUserText: 'hello', reply: { text: 'Hello, operator. All quiet here.' } }], usage: { input_tokens: 1200, output_tokens: 340 } });
    h.harness.deliver(op('hello'));
    await h.harness.loop.idle();
    const deltas = h.frames.flatMap((f) => (f.kind === 'delta' ? [f.text] : []));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Hello, operator. All quiet here.');
    const [entry0, entry1, entry2] = rows(h);
    expect(entry0).toEqual(['operator', 'hello', 1]);
    expect(entry1).toEqual(['agent', 'Hello, operator. All quiet here.', 1]);
    expect(entry2?.[0]).toBe('system');
    expect(entry2?.[1]).toMatch(/^\$0\.\d{4} · 1\.2k in \/ 340 out$/);
    expect(rows(h)).toHaveLength(3);
    // The request claude made carries the rendered hive system prompt.
    const [req] = h.api.messages();
    expect(JSON.stringify((req!.body as { system?: unknown }).system)).toContain('You are coder, an agent of this hive. The manager is hm1nd');
  });

  it('records the turn\'s usage in usage.jsonl and /api/state, and reports it to the daemon with the agent token', async () => {
    const h = await start({ rules: [], usage: { input_tokens: 1000, output_tokens: 50 } });
    h.harness.deliver(op('count me'));
    await h.harness.loop.idle();
    const lines = readFileSync(path.join(h.stateDir, 'usage.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ turn: 1, ok: true, model: 'sonnet', input_tokens: 1000, output_tokens: 50, num_turns: 1 });
    expect(lines[0]!.cost_usd).toBeGreaterThan(0);
    expect(Object.keys(lines[0]!.model_usage as object)).toHaveLength(1);
    const state = h.harness.state();
    expect(state).toMatchObject({ activity: 'idle', budget_usd: null, usage_today: { input_tokens: 1000, output_tokens: 50, turns: 1, cost_usd: lines[0]!.cost_usd } });
    const [report] = await waitFor(() => (h.daemon.of('turn_report').length ? h.daemon.of('turn_report') : null), 'the turn report');
    expect(report!.authorization).toBe('Bearer agent-token-123');
    expect(report!.body).toEqual({ ...lines[0], error: null });
    // One at start (with the model it runs), then working and idle around the turn.
    await waitFor(() => h.daemon.of('activity').length >= 3, 'the activity reports');
    expect(h.daemon.of('activity').map((c) => c.body.activity).sort()).toEqual(['idle', 'idle', 'working']);
    expect(h.daemon.of('activity').every((c) => (c.body as { model?: string }).model === 'sonnet')).toBe(true);
  });

  it('a scripted mcp__hive__ask_operator call is granted headless: it reaches the daemon and its result goes back to the model', async () => {
    const h = await start([
      { lastUserText: 'ask them', hasToolResult: false, reply: { toolUse: { name: 'mcp__hive__ask_operator', input: { question: 'may I deploy coder?' } } } },
      { hasToolResult: true, reply: (ctx) => ({ text: `asked: ${ctx.lastToolResult}` }) },
    ]);
    h.harness.deliver(op('ask them'));
    await h.harness.loop.idle();
    const asks = h.daemon.of('ask_operator');
    expect(asks).toHaveLength(1);
    expect(asks[0]).toMatchObject({ authorization: 'Bearer agent-token-123', body: { question: 'may I deploy coder?' } });
    const reqs = h.api.messages();
    expect(reqs).toHaveLength(2);
    // Offered up front (ENABLE_TOOL_SEARCH=false), not deferred behind a ToolSearch round trip.
    expect(reqs[0]!.toolNames).toEqual(expect.arrayContaining(['mcp__hive__ask_operator', 'mcp__hive__send_message']));
    expect(reqs[0]!.toolNames).not.toContain('mcp__hive__request_apply_commit');
    expect(reqs[1]!.lastToolResult).toContain('question #1 sent to the operator');
    expect(reqs[1]!.lastToolResult).not.toMatch(/permission/i);
    expect(rows(h)).toContainEqual(['tool', 'mcp__hive__ask_operator {"question":"may I deploy coder?"}', 1]);
    expect(rows(h).filter((r) => r[0] === 'agent').map((r) => r[1])).toEqual([expect.stringContaining('asked: question #1 sent to the operator')]);
  });

  it('an API 529 ends the turn with one line naming the cause, activity goes to error, and the next turn still runs', async () => {
    const h = await start([
      // Once: the resumed session still holds the failed 'first' beside 'second' in the last user message.
      { lastUserText: 'first', times: 1, reply: { error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } } },
      { lastUserText: 'second', reply: { text: 'back on my feet' } },
    ]);
    h.harness.deliver(op('first'));
    await h.harness.loop.idle();
    expect(h.harness.state().activity).toBe('error');
    h.harness.deliver(op('second'));
    await h.harness.loop.idle();
    const turn1 = rows(h).filter((r) => r[2] === 1);
    expect(turn1.map((r) => r[0])).toEqual(['operator', 'error', 'system']);
    expect(turn1[1]![1]).toMatch(/^API error 529 overloaded: Overloaded\. [^\n]*$/);
    expect(turn1[2]![1]).toBe('$0.0000 · 0 in / 0 out');
    expect(rows(h).filter((r) => r[2] === 2).map((r) => [r[0], r[1]])).toContainEqual(['agent', 'back on my feet']);
    expect(h.harness.state().activity).toBe('idle');
    const reports = await waitFor(() => (h.daemon.of('turn_report').length === 2 ? h.daemon.of('turn_report') : null), 'two turn reports');
    expect(reports.map((r) => [r.body.turn, r.body.ok, typeof r.body.error === 'string' ? (r.body.error as string).slice(0, 16) : r.body.error])).toEqual([
      [1, false, 'API error 529 ov'],
      [2, true, null],
    ]);
  });

  it('once today\'s spend reaches hive.budgetUsd the next turn does not run: one line, activity error, budget_exceeded in the report', async () => {
    const h = await start({ rules: [], usage: { input_tokens: 1000, output_tokens: 100 } }, { budgetUsd: 0.000001 });
    h.harness.deliver(op('spend'));
    h.harness.deliver(op('too much'));
    await h.harness.loop.idle();
    expect(h.api.messages()).toHaveLength(1);
    const spent = h.harness.usage.today().cost_usd;
    expect(spent).toBeGreaterThan(0.000001);
    expect(rows(h).filter((r) => r[2] === 2)).toEqual([
      ['operator', 'too much', 2],
      ['error', budgetLine(0.000001, spent), 2],
    ]);
    expect(budgetLine(0.000001, spent)).toMatch(/^daily budget of \$0\.0000 reached \(\$0\.\d{4} spent today\): turn not run — raise hive\.budgetUsd or wait until 00:00 UTC$/);
    expect(h.harness.state()).toMatchObject({ activity: 'error', budget_usd: 0.000001, usage_today: { turns: 1 } });
    const reports = await waitFor(() => (h.daemon.of('turn_report').length === 2 ? h.daemon.of('turn_report') : null), 'two turn reports');
    expect(reports[1]!.body).toMatchObject({ turn: 2, ok: false, cost_usd: 0, budget_exceeded: true, error: budgetLine(0.000001, spent) });
    expect(reports[0]!.body.budget_exceeded).toBeUndefined();
  });

  it('turns run one at a time in arrival order, resume the session, and the API sees the earlier conversation and the tagged prompts', async () => {
    const h = await start({ rules: [] });
    h.harness.deliver(op('one'));
    h.harness.deliver({ kind: 'event', from: 'daemon', text: 'rebuild finished', event: { id: 4, ts: '2026-01-01T00:00:00Z', type: 'Rebuilt', agent: 'coder', data: { ok: true } } });
    h.harness.deliver({ kind: 'message', from: 'iris', text: 'ping' });
    h.harness.deliver({ kind: 'answer', from: 'operator', text: 'yes, go' });
    expect(h.harness.state()).toMatchObject({ busy: true, queue: 3 });
    await h.harness.loop.idle();
    const reqs = h.api.messages();
    expect(reqs.map((r) => r.lastUserText)).toEqual([
      'one',
      '[event Rebuilt from daemon] {"ok":true}\nrebuild finished',
      '[message from iris]\nping',
      '[answer from the operator (operator)]\nyes, go',
    ]);
    // Resumed: the fourth request carries the first turn's prompt in its history.
    expect(JSON.stringify((reqs[3]!.body as { messages: unknown[] }).messages)).toContain('"one"');
    expect(h.harness.session.get()).toMatch(/^[0-9a-f-]{36}$/);
    const turnsOfDeltas = h.frames.flatMap((f) => (f.kind === 'delta' ? [f.turn] : []));
    expect(turnsOfDeltas).toEqual([...turnsOfDeltas].sort());
    expect(new Set(turnsOfDeltas)).toEqual(new Set([1, 2, 3, 4]));
    // Same scripted usage each turn: a resumed turn is charged its own cost, not the session's running total.
    const costs = [1, 2, 3, 4].map((t) => h.harness.usage.ofTurn(t)!.cost_usd);
    expect(costs[0]).toBeGreaterThan(0);
    expect(costs).toEqual([costs[0], costs[0], costs[0], costs[0]]);
    expect(h.harness.state().usage_today.cost_usd).toBeCloseTo(4 * costs[0]!, 9);
  });

  it('a model flip during a turn lands on the next turn, not the running one', async () => {
    const h = await start({ rules: [] });
    h.harness.deliver(op('first'));
    h.harness.deliver(op('second'));
    await h.api.waitForRequests(1, 60_000);
    h.harness.setModel('opus');
    await h.harness.loop.idle();
    const models = h.api.messages().map((r) => r.model);
    expect(models).toHaveLength(2);
    expect(models[0]).toMatch(/sonnet/);
    expect(models[1]).toMatch(/opus/);
    const usage = readFileSync(path.join(h.stateDir, 'usage.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { model: string }).model);
    expect(usage).toEqual(['sonnet', 'opus']);
  });

  it('cancel kills a turn stuck in a tool quickly, and the queue goes on', async () => {
    const h = await start([
      { lastUserText: 'be slow', hasToolResult: false, reply: { toolUse: { name: 'Bash', input: { command: 'sleep 60', description: 'wait a minute' } } } },
      { lastUserText: 'next', reply: { text: 'after the cancel' } },
    ]);
    expect(h.harness.cancel()).toBe(false);
    h.harness.deliver(op('be slow'));
    h.harness.deliver(op('next'));
    await waitFor(() => rows(h).some((r) => r[0] === 'tool'), 'the slow tool call', 60_000);
    const t0 = Date.now();
    expect(h.harness.cancel()).toBe(true);
    await h.harness.loop.idle();
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(rows(h)).toContainEqual(['system', 'turn 1 cancelled', 1]);
    expect(rows(h).filter((r) => r[0] === 'agent').at(-1)).toEqual(['agent', 'after the cancel', 2]);
    expect(h.harness.state().activity).toBe('idle');
  });

  it('with the default grants the manager edits and commits another agent\'s config outside its cwd and requests the apply with that sha', async () => {
    const repo = await initRepo();
    await commitFiles(repo, { 'agent.nix': '{ hive.model = "sonnet"; }\n' }, 'seed');
    const h = await start(
      [
        // claude's Write refuses a file it has not read in this session, as a model would learn: Read first.
        { hasToolResult: false, reply: { toolUse: { name: 'Read', input: { file_path: path.join(repo, 'agent.nix') } } } },
        { hasToolResult: true, times: 1, reply: { toolUse: { name: 'Write', input: { file_path: path.join(repo, 'agent.nix'), content: '{ hive.model = "opus"; }\n' } } } },
        { hasToolResult: true, times: 1, reply: { toolUse: { name: 'Bash', input: { command: `git -C ${repo} commit -qam "coder: opus" && git -C ${repo} rev-parse HEAD`, description: 'commit' } } } },
        { hasToolResult: true, times: 1, reply: (ctx) => ({ toolUse: { name: 'mcp__hive__request_apply_commit', input: { name: 'coder', sha: /[0-9a-f]{40}/.exec(ctx.lastToolResult)?.[0] ?? 'none' } } }) },
        { hasToolResult: true, reply: { text: 'queued' } },
      ],
      { name: 'hm1nd', isManager: true },
    );
    h.harness.deliver(op('move coder to opus'));
    await h.harness.loop.idle();
    const head = (await git(repo, ['rev-parse', 'HEAD'])).trim();
    expect(readFileSync(path.join(repo, 'agent.nix'), 'utf8')).toBe('{ hive.model = "opus"; }\n');
    expect(await git(repo, ['log', '-1', '--format=%s'])).toBe('coder: opus');
    expect(h.daemon.of('request_apply_commit').map((c) => c.body)).toEqual([{ name: 'coder', sha: head }]);
    expect(rows(h).filter((r) => r[0] === 'agent').map((r) => r[1])).toEqual(['queued']);
    expect(JSON.stringify(h.api.messages().map((r) => r.lastToolResult))).not.toMatch(/haven't granted|requested permissions/);
  });

  it('hive.permissionMode bypassPermissions as uid 0 falls back to acceptEdits, so the turn still runs', async () => {
    expect(process.getuid?.()).toBe(0);
    const h = await start({ rules: [{ reply: { text: 'ran anyway' } }] }, { permissionMode: 'bypassPermissions' });
    h.harness.deliver(op('go'));
    await h.harness.loop.idle();
    expect(rows(h).filter((r) => r[0] === 'agent' || r[0] === 'error').map((r) => r[1])).toEqual(['ran anyway']);
  });

  it('a claude command that cannot start is an error entry, not a crash', async () => {
    const h = await start({ rules: [] }, { claudeCommand: ['/nonexistent/claude-cli'] });
    h.harness.deliver(op('hi'));
    await h.harness.loop.idle();
    const err = h.harness.history.list().find((e) => e.role === 'error');
    expect(err?.text).toMatch(/^cannot run \/nonexistent\/claude-cli: .*ENOENT/);
    expect(h.harness.state()).toMatchObject({ busy: false, activity: 'error' });
  });

  it('writes the MCP config with mode 0600, the agent tools and the extra servers', async () => {
    const h = await start({ rules: [] }, { mcpServers: { bb: { command: 'bb-mcp' } }, isManager: true });
    const file = h.harness.mcpConfig;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const cfg = JSON.parse(readFileSync(file, 'utf8')) as { mcpServers: Record<string, { env?: Record<string, string>; args?: string[] }> };
    expect(Object.keys(cfg.mcpServers).sort()).toEqual(['bb', 'hive']);
    expect(cfg.mcpServers.hive?.env).toMatchObject({ HIVE_NAME: 'coder', HIVE_TOKEN: 'agent-token-123', HIVE_IS_MANAGER: '1' });
    expect(cfg.mcpServers.hive?.args?.[0]).toMatch(/dist\/mcp\.js$/);
  });
});
