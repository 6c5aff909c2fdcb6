import { describe, expect, it } from 'vitest';
import { parseStreamLine } from './stream-json.js';

describe('parseStreamLine', () => {
  it('reads the session id from the init event', () => {
    expect(parseStreamLine('{"type":"system","subtype":"init","session_id":"abc"}')).toEqual([{ kind: 'session', id: 'abc' }]);
  });

  it('reads text and tool use blocks of an assistant message', () => {
    const line = JSON.stringify({
      type: 'assistant',
      message: { content: [{ type: 'text', text: 'hi' }, { type: 'tool_use', name: 'ask_operator', input: { question: 'q' } }] },
    });
    expect(parseStreamLine(line)).toEqual([
      { kind: 'message', text: 'hi' },
      { kind: 'tool', name: 'ask_operator', input: { question: 'q' } },
    ]);
  });

  it('reads text deltas of partial messages', () => {
    const line = JSON.stringify({ type: 'stream_event', event: { type: 'content_block_delta', delta: { type: 'text_delta', text: 'he' } } });
    expect(parseStreamLine(line)).toEqual([{ kind: 'delta', text: 'he' }]);
  });

  it('reads the result, flagging errors', () => {
    expect(parseStreamLine('{"type":"result","subtype":"success","is_error":false,"result":"done"}')).toEqual([{ kind: 'result', text: 'done', isError: false }]);
    expect(parseStreamLine('{"type":"result","subtype":"error_max_turns","result":""}')).toEqual([{ kind: 'result', text: '', isError: true }]);
  });

  it('ignores noise, broken JSON and unknown event types', () => {
    expect(parseStreamLine('warning: something')).toEqual([]);
    expect(parseStreamLine('{"type":')).toEqual([]);
    expect(parseStreamLine('{"type":"user","message":{"content":[]}}')).toEqual([]);
  });
});
