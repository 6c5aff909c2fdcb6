import { describe, expect, it } from 'vitest';
import { announcement } from './announce.js';
import type { EventDataOf, EventType, HiveEventOf } from '@hive/protocol';

const ev = <T extends EventType>(type: T, agent: string | null, data: EventDataOf<T>): HiveEventOf<T> => ({ id: 1, ts: '2026-01-01T00:00:00Z', type, agent, data });

describe('announcement', () => {
  it('raises a one-line toast for a new question, and the notification it may carry', () => {
    const a = announcement(ev('QuestionAsked', 'hm1nd', { id: 7, agent: 'hm1nd', question: 'may i\ndelete ' + 'x'.repeat(300) }));
    expect(a?.kind).toBe('ask');
    expect(a?.text.startsWith('hm1nd asks: may i delete xxx')).toBe(true);
    expect(a?.text.endsWith('…')).toBe(true);
    expect(a?.text.length).toBeLessThanOrEqual('hm1nd asks: '.length + 120);
    expect(a?.question).toMatchObject({ id: 7, agent: 'hm1nd' });
  });
  it('raises an error toast naming the agent whose budget is spent', () => {
    expect(announcement(ev('BudgetExceeded', 'coder', { agent: 'coder', error: 'daily budget of $1.00 reached' }))).toEqual({
      kind: 'err',
      text: 'coder stopped: daily budget of $1.00 reached',
    });
  });
  it('stays quiet for a question an older daemon wrote without its id', () => {
    expect(announcement({ id: 1, ts: 't', type: 'QuestionAsked', agent: 'hm1nd', data: { agent: 'hm1nd', question: 'may i?' } })).toBeNull();
  });
  it('raises an error toast when a deploy failed its health check, and none when it passed', () => {
    expect(announcement(ev('HealthChecked', 'coder', { agent: 'coder', ok: false, approval_id: 5, failed: 'mcp fs: spawn /nope ENOENT' }))).toEqual({
      kind: 'err',
      text: 'coder failed its health check: mcp fs: spawn /nope ENOENT — reverted',
    });
    expect(announcement(ev('HealthChecked', 'coder', { agent: 'coder', ok: true, approval_id: 5 }))).toBeNull();
  });
  it('stays quiet for other events', () => {
    expect(announcement(ev('AgentActivity', 'coder', { agent: 'coder', activity: 'working' }))).toBeNull();
  });
});
