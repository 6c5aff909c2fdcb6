import { describe, expect, it } from 'vitest';
import type { EventDataOf, EventType, HiveEventOf } from '@hive/protocol';
import { clock, describeEvent, displaySha } from './format.js';

let seq = 0;
const ev = <T extends EventType>(type: T, agent: string | null, data: EventDataOf<T>): HiveEventOf<T> => ({ id: ++seq, ts: '2026-01-01T00:00:00Z', type, agent, data });

describe('displaySha', () => {
  it('prefers the daemon-fetched sha', () => {
    expect(displaySha({ fetched_sha: 'abcdef0123456789', commit_ref: 'ffff' })).toBe('abcdef012345');
  });
  it('falls back to the requested ref before the fetch', () => {
    expect(displaySha({ fetched_sha: null, commit_ref: '1234abcd' })).toBe('1234abcd');
  });
});

describe('clock', () => {
  it('keeps text that is not a timestamp', () => {
    expect(clock('soon')).toBe('soon');
  });
  it('renders a timestamp as hh:mm:ss', () => {
    expect(clock('2026-01-01T12:34:56Z')).toMatch(/^\d\d:\d\d:\d\d$/);
  });
});

describe('describeEvent', () => {
  it('names the terminal tag of a resolved approval', () => {
    expect(describeEvent(ev('ApprovalResolved', 'coder', { id: 3, agent: 'coder', status: 'deployed', terminal_tag: 'deployed/3', note: null }))).toBe(
      'approval #3 deployed → deployed/3',
    );
  });
  it('names both agents of a port collision', () => {
    expect(describeEvent(ev('PortConflict', null, { port: 8545, agents: ['agao', 'aghx'] }))).toBe('port 8545 collision: agao · aghx');
  });
  it('gives the first telling line of a failed rebuild', () => {
    expect(describeEvent(ev('Rebuilt', 'coder', { agent: 'coder', ok: false, terminal_tag: 'failed/2', error: 'error:\n  syntax error, unexpected ID\n  at x.nix:1:8' }))).toBe(
      'rebuild of coder failed: syntax error, unexpected ID',
    );
  });
  it('shows only the type and agent of an event an older daemon wrote in another shape', () => {
    expect(describeEvent({ id: 1, ts: 't', type: 'ApprovalResolved', agent: 'coder', data: { approval_id: 3, status: 'deployed' } })).toBe('ApprovalResolved coder');
  });
  it('tells a rollback from an auto-revert, and says a freeze with its reason', () => {
    const sha = 'a'.repeat(40);
    expect(describeEvent(ev('RolledBack', 'coder', { id: 7, agent: 'coder', to: 'deployed/3', from: 'deployed/5', sha, auto: false }))).toBe('coder rolled back to deployed/3 from deployed/5 (#7)');
    expect(describeEvent(ev('RolledBack', 'coder', { id: 8, agent: 'coder', to: 'deployed/7', from: null, sha, auto: true }))).toBe('coder reverted to deployed/7: approval #8 failed its health check');
    expect(describeEvent(ev('Frozen', null, { reason: 'incident 42' }))).toBe('hive frozen: incident 42');
    expect(describeEvent(ev('container_crash', 'coder', { agent: 'coder', code: 137, signal: null, tail: 'x', reason: 'killed for memory: over its hive.limits.memoryMax (64M)' }))).toBe(
      'coder crashed (exit 137): killed for memory: over its hive.limits.memoryMax (64M)',
    );
  });
  it('says what a turn cost and whether it failed', () => {
    expect(describeEvent(ev('TurnRecorded', 'coder', { agent: 'coder', turn: 4, ok: false, cost_usd: 0.01234 }))).toBe('coder turn 4 · $0.0123 (failed)');
  });
  it('says when a rebuild failed', () => {
    expect(describeEvent(ev('Rebuilt', 'iris', { agent: 'iris', ok: false, terminal_tag: null }))).toBe('rebuild of iris failed');
  });
});

describe('describeEvent for crashes', () => {
  it('gives the exit code and the last line the agent printed', () => {
    expect(describeEvent(ev('container_crash', 'aghx', { agent: 'aghx', code: 1, signal: null, tail: 'booting\nEADDRINUSE 8545\n' }))).toBe(
      'aghx crashed (exit 1): EADDRINUSE 8545',
    );
  });
  it('names the signal when there is no exit code', () => {
    expect(describeEvent(ev('container_crash', 'iris', { agent: 'iris', code: null, signal: 'SIGKILL', tail: '' }))).toBe('iris crashed (SIGKILL)');
  });
});

describe('describeEvent for usage events', () => {
  it('says what an agent is doing now', () => {
    expect(describeEvent(ev('AgentActivity', 'coder', { agent: 'coder', activity: 'working' }))).toBe('coder is working');
  });
  it("gives the budget line the harness wrote when an agent's turns stop", () => {
    expect(describeEvent(ev('BudgetExceeded', 'coder', { agent: 'coder', error: 'daily budget of $1.00 reached' }))).toBe(
      'coder stopped: daily budget of $1.00 reached',
    );
  });
});
