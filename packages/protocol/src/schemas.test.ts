import { describe, expect, it } from 'vitest';
import { HiveState, ModelName, RequestApplyCommitBody, EventFrame } from './index.js';

describe('protocol schemas', () => {
  it('accepts the SPEC §8 state shape', () => {
    const s = HiveState.parse({
      agents: [{ name: 'hm1nd', port: 8000, status: 'running', model: 'sonnet', deployed_tag: 'deployed/0', url: 'http://127.0.0.1:8000/', is_manager: true, container: 'h-hm1nd' }],
      approvals: [],
      port_conflicts: [{ port: 8545, agents: ['agao', 'aghx'] }],
      questions: [],
      manager: 'hm1nd',
      runtime: 'process',
    });
    expect(s.messages).toEqual([]);
  });
  it.each(['; rm -rf /', 'a\nb', '--model', 'x'.repeat(101), ''])('refuses the model name %j', (m) => {
    expect(ModelName.safeParse(m).success).toBe(false);
  });
  it.each(['opus', 'sonnet', 'claude-opus-4-1', 'claude-sonnet-4-5[1m]'])('accepts the model name %s', (m) => {
    expect(ModelName.parse(m)).toBe(m);
  });
  it.each(['--upload-pack=x', 'main', 'abc', 'zzzz', ''])('refuses the sha %j', (sha) => {
    expect(RequestApplyCommitBody.safeParse({ name: 'coder', sha }).success).toBe(false);
  });
  it('parses event frames by kind', () => {
    expect(EventFrame.parse({ kind: 'hello', last_event_id: 0 }).kind).toBe('hello');
    expect(EventFrame.safeParse({ kind: 'nope' }).success).toBe(false);
  });
});
