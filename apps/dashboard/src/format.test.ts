import { describe, expect, it } from 'vitest';
import { clock, describeEvent, displaySha } from './format.js';

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
    expect(describeEvent({ type: 'ApprovalResolved', agent: 'coder', data: { id: 3, status: 'deployed', terminal_tag: 'deployed/3' } })).toBe(
      'approval #3 deployed → deployed/3',
    );
  });
  it('names both agents of a port collision', () => {
    expect(describeEvent({ type: 'PortConflict', agent: null, data: { port: 8545, agents: ['agao', 'aghx'] } })).toBe('port 8545 collision: agao · aghx');
  });
  it('gives the first telling line of a failed rebuild', () => {
    expect(describeEvent({ type: 'Rebuilt', agent: 'coder', data: { ok: false, error: 'error:\n  syntax error, unexpected ID\n  at x.nix:1:8' } })).toBe(
      'rebuild of coder failed: syntax error, unexpected ID',
    );
  });
  it('says when a rebuild failed', () => {
    expect(describeEvent({ type: 'Rebuilt', agent: 'iris', data: { ok: false } })).toBe('rebuild of iris failed');
  });
});

describe('describeEvent for crashes', () => {
  it('gives the exit code and the last line the agent printed', () => {
    expect(describeEvent({ type: 'container_crash', agent: 'aghx', data: { code: 1, signal: null, tail: 'booting\nEADDRINUSE 8545\n' } })).toBe(
      'aghx crashed (exit 1): EADDRINUSE 8545',
    );
  });
  it('names the signal when there is no exit code', () => {
    expect(describeEvent({ type: 'container_crash', agent: 'iris', data: { code: null, signal: 'SIGKILL', tail: '' } })).toBe('iris crashed (SIGKILL)');
  });
});

describe('describeEvent for usage events', () => {
  it('says what an agent is doing now', () => {
    expect(describeEvent({ type: 'AgentActivity', agent: 'coder', data: { agent: 'coder', activity: 'working' } })).toBe('coder is working');
  });
  it("gives the budget line the harness wrote when an agent's turns stop", () => {
    expect(describeEvent({ type: 'BudgetExceeded', agent: 'coder', data: { agent: 'coder', error: 'daily budget of $1.00 reached' } })).toBe(
      'coder stopped: daily budget of $1.00 reached',
    );
  });
});
