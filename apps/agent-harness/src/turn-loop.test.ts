import { statSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { argOf, claudeRuns, waitFor } from './test-support/harness-process.js';
import { inProcessHarness } from './test-support/in-process.js';

const op = (text: string) => ({ kind: 'operator' as const, from: 'operator', text });

describe('the turn loop', () => {
  it('runs claude with stream-json, the MCP config and the model, and records the streamed reply', async () => {
    const { harness, frames, claudeLog } = inProcessHarness();
    harness.deliver(op('hello'));
    await harness.loop.idle();
    const [argv] = claudeRuns(claudeLog);
    expect(argv).toEqual(['-p', 'hello', '--output-format', 'stream-json', '--verbose', '--model', 'sonnet', '--mcp-config', harness.mcpConfig]);
    const deltas = frames.flatMap((f) => (f.kind === 'delta' ? [f.text] : []));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('echo: hello');
    expect(harness.history.list().map((e) => [e.role, e.text, e.turn])).toEqual([
      ['operator', 'hello', 1],
      ['agent', 'echo: hello', 1],
    ]);
  });

  it('a model flip during a turn lands on the next turn, not the running one', async () => {
    const { harness, claudeLog } = inProcessHarness();
    harness.deliver(op('first'));
    harness.deliver(op('second'));
    await waitFor(() => claudeRuns(claudeLog).length === 1, 'the first turn to start');
    harness.setModel('opus');
    await harness.loop.idle();
    const runs = claudeRuns(claudeLog);
    expect(runs.map((a) => [argOf(a, '-p'), argOf(a, '--model')])).toEqual([
      ['first', 'sonnet'],
      ['second', 'opus'],
    ]);
  });

  it('runs turns one at a time, in arrival order, resuming the session', async () => {
    const { harness, frames, claudeLog } = inProcessHarness();
    for (const t of ['one', 'two', 'three']) harness.deliver(op(t));
    expect(harness.state()).toMatchObject({ busy: true, queue: 2 });
    await harness.loop.idle();
    expect(harness.state()).toMatchObject({ busy: false, queue: 0 });
    // Deltas of different turns never interleave: each turn's run ends before the next starts.
    const turnsOfDeltas = frames.flatMap((f) => (f.kind === 'delta' ? [f.turn] : []));
    expect(turnsOfDeltas).toEqual([...turnsOfDeltas].sort());
    expect(new Set(turnsOfDeltas)).toEqual(new Set([1, 2, 3]));
    const runs = claudeRuns(claudeLog);
    expect(runs.map((a) => argOf(a, '-p'))).toEqual(['one', 'two', 'three']);
    expect(argOf(runs[0]!, '--resume')).toBeUndefined();
    const session = harness.session.get();
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    expect(argOf(runs[1]!, '--resume')).toBe(session);
    expect(argOf(runs[2]!, '--resume')).toBe(session);
  });

  it('a failing turn becomes an error entry and the next turn still runs', async () => {
    const { harness } = inProcessHarness();
    harness.deliver(op('please FAIL now'));
    harness.deliver(op('after'));
    await harness.loop.idle();
    const tail = harness.history.list().filter((e) => e.role === 'error' || e.role === 'agent');
    expect(tail.map((e) => [e.role, e.text])).toEqual([
      ['error', 'claude exited with code 1: Error: fake claude was told to FAIL'],
      ['agent', 'echo: after'],
    ]);
  });

  it('a claude command that cannot start is an error entry, not a crash', async () => {
    const { harness } = inProcessHarness({ claudeCommand: ['/nonexistent/claude-cli'] });
    harness.deliver(op('hi'));
    await harness.loop.idle();
    const err = harness.history.list().find((e) => e.role === 'error');
    expect(err?.text).toMatch(/^cannot run \/nonexistent\/claude-cli: .*ENOENT/);
    expect(harness.state().busy).toBe(false);
  });

  it('cancel kills the running turn quickly and the queue goes on', async () => {
    const { harness, claudeLog } = inProcessHarness();
    expect(harness.cancel()).toBe(false);
    harness.deliver(op('be SLOW'));
    harness.deliver(op('next'));
    await waitFor(() => claudeRuns(claudeLog).length === 1, 'the slow turn to start');
    const t0 = Date.now();
    expect(harness.cancel()).toBe(true);
    await harness.loop.idle();
    expect(Date.now() - t0).toBeLessThan(5000);
    const entries = harness.history.list().map((e) => [e.role, e.text]);
    expect(entries).toContainEqual(['system', 'turn 1 cancelled']);
    expect(entries.at(-1)).toEqual(['agent', 'echo: next']);
  });

  it('tags daemon events, agent messages and answers in the prompt', async () => {
    const { harness, claudeLog } = inProcessHarness();
    harness.deliver({
      kind: 'event',
      from: 'daemon',
      text: 'rebuild finished',
      event: { id: 4, ts: '2026-01-01T00:00:00Z', type: 'Rebuilt', agent: 'coder', data: { ok: true } },
    });
    harness.deliver({ kind: 'message', from: 'iris', text: 'ping' });
    harness.deliver({ kind: 'answer', from: 'operator', text: 'yes, go' });
    await harness.loop.idle();
    expect(claudeRuns(claudeLog).map((a) => argOf(a, '-p'))).toEqual([
      '[event Rebuilt from daemon] {"ok":true}\nrebuild finished',
      '[message from iris]\nping',
      '[answer from the operator (operator)]\nyes, go',
    ]);
    expect(harness.history.list().filter((e) => e.role === 'event')[0]?.text).toBe('Rebuilt · daemon: rebuild finished');
  });

  it('writes the MCP config with mode 0600, the agent tools and the extra servers', () => {
    const { harness } = inProcessHarness({ mcpServers: { bb: { command: 'bb-mcp' } }, isManager: true });
    expect(statSync(harness.mcpConfig).mode & 0o777).toBe(0o600);
    const cfg = JSON.parse(readFileSync(harness.mcpConfig, 'utf8')) as { mcpServers: Record<string, { env?: Record<string, string>; args?: string[] }> };
    expect(Object.keys(cfg.mcpServers).sort()).toEqual(['bb', 'hive']);
    expect(cfg.mcpServers.hive?.env).toMatchObject({ HIVE_NAME: 'coder', HIVE_TOKEN: 'agent-token-123', HIVE_IS_MANAGER: '1' });
    expect(cfg.mcpServers.hive?.args?.[0]).toMatch(/dist\/mcp\.js$/);
  });
});
