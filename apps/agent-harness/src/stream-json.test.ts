import { describe, expect, it } from 'vitest';
import { parseStreamLine } from './stream-json.js';

const line = (o: unknown) => JSON.stringify(o);

describe('parseStreamLine', () => {
  it('reads the session id from the init event', () => {
    expect(parseStreamLine('{"type":"system","subtype":"init","session_id":"abc"}')).toEqual([{ kind: 'session', id: 'abc' }]);
  });

  it('reads text and tool use blocks of an assistant message, with the message id', () => {
    const l = line({
      type: 'assistant',
      message: { id: 'msg_1', content: [{ type: 'text', text: 'hi' }, { type: 'tool_use', name: 'mcp__hive__ask_operator', input: { question: 'q' } }] },
    });
    expect(parseStreamLine(l)).toEqual([
      { kind: 'message', text: 'hi', messageId: 'msg_1' },
      { kind: 'tool', name: 'mcp__hive__ask_operator', input: { question: 'q' } },
    ]);
  });

  it('reads text deltas of partial messages, tied to their API message', () => {
    const l = line({ type: 'stream_event', api_message_id: 'msg_1', event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'he' } } });
    expect(parseStreamLine(l)).toEqual([{ kind: 'delta', text: 'he', messageId: 'msg_1' }]);
    // Tool input deltas and block boundaries are not reply text.
    expect(parseStreamLine(line({ type: 'stream_event', event: { type: 'content_block_delta', delta: { type: 'input_json_delta', partial_json: '{"q' } } }))).toEqual([]);
    expect(parseStreamLine(line({ type: 'stream_event', event: { type: 'message_stop' } }))).toEqual([]);
  });

  it('leaves out what a subagent says: it is not the reply', () => {
    expect(parseStreamLine(line({ type: 'assistant', parent_tool_use_id: 'toolu_1', message: { id: 'm', content: [{ type: 'text', text: 'sub' }] } }))).toEqual([]);
    expect(parseStreamLine(line({ type: 'stream_event', parent_tool_use_id: 'toolu_1', event: { type: 'content_block_delta', delta: { type: 'text_delta', text: 'x' } } }))).toEqual([]);
  });

  it('reads the result: text, error flag, cost, tokens, modelUsage, turns and duration', () => {
    const [r] = parseStreamLine(
      line({
        type: 'result',
        subtype: 'success',
        is_error: false,
        result: 'done',
        total_cost_usd: 0.0042,
        usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 3, cache_creation_input_tokens: 2, service_tier: 'standard' },
        modelUsage: { 'claude-x': { costUSD: 0.0042 } },
        num_turns: 2,
        duration_ms: 812,
        api_error_status: null,
      }),
    );
    expect(r).toEqual({
      kind: 'result',
      text: 'done',
      isError: false,
      subtype: 'success',
      costUsd: 0.0042,
      sessionCostUsd: 0.0042,
      usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 },
      modelUsage: { 'claude-x': { costUSD: 0.0042 } },
      numTurns: 2,
      durationMs: 812,
      errors: [],
      apiError: null,
    });
    // As claude 2.1.332 ends a run cut short by --max-turns.
    const maxTurns = '{"type":"result","subtype":"error_max_turns","is_error":true,"result":null,"terminal_reason":"max_turns","errors":["Reached maximum number of turns (1)"]}';
    expect(parseStreamLine(maxTurns)[0]).toMatchObject({ kind: 'result', isError: true, text: '', apiError: null, costUsd: 0, errors: ['Reached maximum number of turns (1)'] });
  });

  it('charges a resumed run its own cost, not the session\'s running total (as claude 2.1.332 reports a third resumed turn)', () => {
    const [r] = parseStreamLine(
      line({
        type: 'result',
        subtype: 'success',
        total_cost_usd: 0.00081,
        usage: { input_tokens: 100, output_tokens: 7 },
        modelUsage: { 'claude-sonnet-5-5': { inputTokens: 300, costUSD: 0.00081 } },
        model_usage_since_last_result: { 'claude-sonnet-5-5': { inputTokens: 100, costUSD: 0.00027 } },
        num_turns: 1,
      }),
    );
    expect(r).toMatchObject({ costUsd: 0.00027, sessionCostUsd: 0.00081, modelUsage: { 'claude-sonnet-5-5': { inputTokens: 100, costUSD: 0.00027 } } });
  });

  it('reads a failed API call from the synthetic assistant message and from the result', () => {
    const msg = line({
      type: 'assistant',
      error: 'server_error',
      is_api_error_message: true,
      api_error_status: 529,
      api_error_type: 'overloaded_error',
      message: { id: 'x', model: '<synthetic>', content: [{ type: 'text', text: 'API Error: 529 Overloaded.' }] },
    });
    expect(parseStreamLine(msg)).toEqual([{ kind: 'api_error', error: { status: 529, type: 'overloaded_error', kind: 'server_error', text: 'API Error: 529 Overloaded.' } }]);
    const res = line({ type: 'result', subtype: 'success', is_error: true, terminal_reason: 'api_error', api_error_status: null, api_error: 'connection_failed', result: 'API Error: Connection refused' });
    expect(parseStreamLine(res)[0]).toMatchObject({ isError: true, apiError: { status: null, kind: 'connection_failed', text: 'API Error: Connection refused' } });
  });

  it('ignores noise, broken JSON, negative or non-numeric counts and unknown event types', () => {
    expect(parseStreamLine('warning: something')).toEqual([]);
    expect(parseStreamLine('{"type":')).toEqual([]);
    expect(parseStreamLine('{"type":"user","message":{"content":[]}}')).toEqual([]);
    expect(parseStreamLine(line({ type: 'result', total_cost_usd: -1, num_turns: 'many', usage: { input_tokens: -5 } }))[0]).toMatchObject({ costUsd: 0, numTurns: 0, usage: { input_tokens: 0 } });
  });
});
