import { describe, expect, it } from 'vitest';
import { announcement } from './announce.js';

describe('announcement', () => {
  it('raises a one-line toast for a new question, and the notification it may carry', () => {
    const a = announcement({ type: 'QuestionAsked', agent: 'hm1nd', data: { id: 7, agent: 'hm1nd', question: 'may i\ndelete ' + 'x'.repeat(300) } });
    expect(a?.kind).toBe('ask');
    expect(a?.text.startsWith('hm1nd asks: may i delete xxx')).toBe(true);
    expect(a?.text.endsWith('…')).toBe(true);
    expect(a?.text.length).toBeLessThanOrEqual('hm1nd asks: '.length + 120);
    expect(a?.question).toMatchObject({ id: 7, agent: 'hm1nd' });
  });
  it('raises an error toast naming the agent whose budget is spent', () => {
    expect(announcement({ type: 'BudgetExceeded', agent: 'coder', data: { agent: 'coder', error: 'daily budget of $1.00 reached' } })).toEqual({
      kind: 'err',
      text: 'coder stopped: daily budget of $1.00 reached',
    });
  });
  it('stays quiet for other events', () => {
    expect(announcement({ type: 'AgentActivity', agent: 'coder', data: { activity: 'working' } })).toBeNull();
  });
});
