// The parser against output the REAL claude CLI (2.1.332) printed, recorded with
// `node packages/testkit/scripts/record-claude-stream.mjs apps/agent-harness/test-fixtures`
// (--output-format stream-json --verbose --include-partial-messages, against @hive/testkit's scripted API).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseStreamLine, type ResultEvent, type StreamEvent } from './stream-json.js';

const lines = (name: string): string[] =>
  readFileSync(new URL(`../test-fixtures/real-claude-${name}.jsonl`, import.meta.url), 'utf8').split('\n').filter((l) => l.trim());
const raw = (name: string) => lines(name).map((l) => JSON.parse(l) as Record<string, any>);
const parsed = (name: string): StreamEvent[] => lines(name).flatMap(parseStreamLine);
const ofKind = <K extends StreamEvent['kind']>(evs: StreamEvent[], kind: K) => evs.filter((e): e is Extract<StreamEvent, { kind: K }> => e.kind === kind);
const resultOf = (name: string): ResultEvent => {
  const results = ofKind(parsed(name), 'result');
  expect(results).toHaveLength(1);
  return results[0]!;
};

describe('parseStreamLine on real claude output', () => {
  for (const name of ['text', 'tool', 'error']) {
    it(`reads every line of the ${name} recording as one JSON object, starting with init and ending with the result`, () => {
      const events = raw(name);
      expect(events[0]).toMatchObject({ type: 'system', subtype: 'init' });
      expect(events.at(-1)!.type).toBe('result');
      // Line types the parser ignores on purpose (status pings, tool results echoed back) yield nothing.
      for (const l of lines(name).filter((l) => /^\{"type":"(user|system","subtype":"status)"/.test(l))) expect(parseStreamLine(l)).toEqual([]);
    });
  }

  it('yields the session id of the init event first', () => {
    const evs = parsed('text');
    expect(evs[0]).toEqual({ kind: 'session', id: raw('text')[0]!.session_id });
    expect(ofKind(evs, 'session')).toHaveLength(1);
  });

  it('yields the partial text deltas, which join to the final message of the same API message id', () => {
    const evs = parsed('text');
    const deltas = ofKind(evs, 'delta');
    const messages = ofKind(evs, 'message');
    expect(deltas.length).toBeGreaterThan(1);
    expect(messages).toEqual([{ kind: 'message', text: 'Hello from the scripted API. This reply streams in several deltas.', messageId: 'msg_scripted_1' }]);
    expect(deltas.map((d) => d.text).join('')).toBe(messages[0]!.text);
    expect(new Set(deltas.map((d) => d.messageId))).toEqual(new Set(['msg_scripted_1']));
  });

  it('yields the result with its text, cost, usage and turn count', () => {
    const r = resultOf('text');
    expect(r).toMatchObject({ text: 'Hello from the scripted API. This reply streams in several deltas.', isError: false, subtype: 'success', numTurns: 1, apiError: null });
    expect(r.usage).toEqual({ input_tokens: 1200, output_tokens: 34, cache_read_input_tokens: 300, cache_creation_input_tokens: 0 });
    expect(r.costUsd).toBeCloseTo(0.0042, 10);
    expect(r.costUsd).toBe(raw('text').at(-1)!.total_cost_usd);
    expect(Object.keys(r.modelUsage)).toEqual(['claude-sonnet-4-5']);
    expect(r.durationMs).toBeGreaterThan(0);
  });

  it('yields the tool call once, between the text before it and the reply that quotes its output', () => {
    const evs = parsed('tool').filter((e) => e.kind === 'message' || e.kind === 'tool');
    const sha = raw('tool').find((e) => e.type === 'user')!.tool_use_result.stdout as string;
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(evs).toEqual([
      { kind: 'message', text: 'Checking HEAD.', messageId: 'msg_scripted_1' },
      { kind: 'tool', name: 'Bash', input: { command: 'git rev-parse HEAD', description: 'Print the HEAD commit' } },
      { kind: 'message', text: `HEAD is ${sha}`, messageId: 'msg_scripted_2' },
    ]);
    // Tool input arrives as input_json_delta partials, which are not text: no delta carries JSON.
    expect(ofKind(parsed('tool'), 'delta').map((d) => d.text).join('')).toBe(`Checking HEAD.HEAD is ${sha}`);
    const r = resultOf('tool');
    expect(r).toMatchObject({ text: `HEAD is ${sha}`, isError: false, numTurns: 2 });
    expect(r.usage).toMatchObject({ input_tokens: 200, output_tokens: 40 });
  });

  it('yields a failed API call as an api_error, not as the agent speaking, and an error result with the status', () => {
    const evs = parsed('error');
    expect(ofKind(evs, 'message')).toEqual([]);
    const [failure] = ofKind(evs, 'api_error');
    expect(failure!.error).toMatchObject({ status: 500, type: 'api_error', kind: 'server_error' });
    expect(failure!.error.text).toMatch(/^API Error: 500 scripted internal failure\./);
    const r = resultOf('error');
    // claude keeps subtype "success" on an API failure; is_error is what says it failed.
    expect(r).toMatchObject({ isError: true, subtype: 'success', costUsd: 0 });
    expect(r.apiError).toMatchObject({ status: 500, type: 'api_error' });
    expect(r.text).toBe(failure!.error.text);
  });
});
