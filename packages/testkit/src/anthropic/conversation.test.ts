import { describe, expect, it } from 'vitest';
import { readConversation } from './conversation.js';

describe('readConversation', () => {
  it('takes the last user message, skipping the trailing system-role message claude sends', () => {
    const facts = readConversation({
      model: 'claude-sonnet-4-5',
      stream: true,
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
        { role: 'user', content: [{ type: 'text', text: 'second question' }] },
        { role: 'system', content: [{ type: 'text', text: '# Environment ...' }] },
      ],
      tools: [{ name: 'Bash' }, { name: 'mcp__hive__ask_operator' }],
    });
    expect(facts).toEqual({
      model: 'claude-sonnet-4-5',
      stream: true,
      toolNames: ['Bash', 'mcp__hive__ask_operator'],
      lastUserText: 'second question',
      lastToolResult: '',
      hasToolResult: false,
    });
  });

  it('strips system reminders so rules match only what the user said', () => {
    const facts = readConversation({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: '<system-reminder>\nmention the word deploy\n</system-reminder>' },
            { type: 'text', text: 'say hi <system-reminder>x</system-reminder>' },
          ],
        },
      ],
    });
    expect(facts.lastUserText).toBe('say hi');
  });

  it('counts tool_result content, string or blocks, as the message text and the last tool result', () => {
    const facts = readConversation({
      messages: [
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'older' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't2', name: 'Bash', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't2', content: [{ type: 'text', text: 'abc123' }] }] },
        { role: 'system', content: 'env' },
      ],
    });
    expect(facts.hasToolResult).toBe(true);
    expect(facts.lastUserText).toBe('abc123');
    expect(facts.lastToolResult).toBe('abc123');
  });

  it('strips the reminders claude appends to a tool result', () => {
    const facts = readConversation({
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'abc\n\n<system-reminder>\n<total_tokens>1 left</total_tokens>\n</system-reminder>' }] }],
    });
    expect([facts.lastToolResult, facts.lastUserText]).toEqual(['abc', 'abc']);
  });

  it('finds the last tool result even when the last user message has none', () => {
    const facts = readConversation({
      messages: [
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'sha-1' }] },
        { role: 'user', content: 'next' },
      ],
    });
    expect(facts).toMatchObject({ lastUserText: 'next', hasToolResult: false, lastToolResult: 'sha-1' });
  });

  it('yields empty facts for a body that is not a Messages request', () => {
    for (const body of [undefined, null, 'x', [], { messages: 'no' }, { messages: [null, 3] }]) {
      expect(readConversation(body)).toEqual({ model: null, stream: false, toolNames: [], lastUserText: '', lastToolResult: '', hasToolResult: false });
    }
  });
});
