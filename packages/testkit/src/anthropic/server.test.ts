import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedApi, type ScriptedApi } from './server.js';
import type { Scenario } from './types.js';
import { DEFAULT_USAGE } from './types.js';

let api: ScriptedApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const start = async (s: Scenario) => (api = await startScriptedApi(s));

const messagesBody = (text: string, extra: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 1000,
  stream: true,
  messages: [
    { role: 'user', content: [{ type: 'text', text }] },
    { role: 'system', content: 'env' },
  ],
  tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
  ...extra,
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(api!.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-secret', authorization: 'Bearer t', ...headers },
    body: JSON.stringify(body),
  });
}

/** Parses an SSE body into [event, data] pairs, checking each frame's event name equals its data.type. */
function parseSse(text: string): Array<{ event: string; data: Record<string, any> }> {
  return text
    .split('\n\n')
    .filter((f) => f.trim())
    .map((frame) => {
      const lines = frame.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))!.slice(7);
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6));
      expect(data.type).toBe(event);
      return { event, data };
    });
}

describe('startScriptedApi', () => {
  it('listens on 127.0.0.1 on an ephemeral port', async () => {
    await start([]);
    expect(api!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(api!.url).port)).toBeGreaterThan(0);
  });

  it('streams a text reply with the exact SSE event sequence and the scripted usage', async () => {
    const text = 'a reply long enough to be split into several deltas';
    await start({ rules: [{ lastUserText: 'hello', reply: { text } }], usage: { input_tokens: 321, output_tokens: 54 } });
    const res = await post('/v1/messages', messagesBody('hello there'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = parseSse(await res.text());
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('message_start');
    expect(names.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(names.filter((n) => n === 'content_block_delta').length).toBeGreaterThan(1);
    const start0 = events[0]!.data.message;
    expect(start0).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null });
    expect(start0.usage.input_tokens).toBe(321);
    expect(events.find((e) => e.event === 'content_block_start')!.data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    const deltas = events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta);
    expect(deltas.every((d) => d.type === 'text_delta')).toBe(true);
    expect(deltas.map((d) => d.text).join('')).toBe(text);
    expect(events.find((e) => e.event === 'content_block_stop')!.data.index).toBe(0);
    const delta = events.at(-2)!.data;
    expect(delta.delta).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
    expect(delta.usage).toEqual({ ...DEFAULT_USAGE, input_tokens: 321, output_tokens: 54 });
  });

  it('streams a tool call as input_json_delta chunks that join to the input, computed from the last tool result', async () => {
    await start([
      {
        hasToolResult: true,
        reply: { blocks: [{ text: 'using it' }, { toolUse: { name: 'report', input: (ctx) => ({ sha: ctx.lastToolResult.trim(), n: [1, 2, 3] }) } }] },
      },
    ]);
    const body = messagesBody('', {
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: 'deadbeef\n' }] }],
    });
    const events = parseSse(await (await post('/v1/messages', body)).text());
    const starts = events.filter((e) => e.event === 'content_block_start').map((e) => e.data);
    expect(starts[1]).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_scripted_1', name: 'report', input: {} } });
    const json = events
      .filter((e) => e.event === 'content_block_delta' && e.data.index === 1)
      .map((e) => {
        expect(e.data.delta.type).toBe('input_json_delta');
        return e.data.delta.partial_json;
      })
      .join('');
    expect(JSON.parse(json)).toEqual({ sha: 'deadbeef', n: [1, 2, 3] });
    expect(events.at(-2)!.data.delta.stop_reason).toBe('tool_use');
  });

  it('answers a non-streaming request with the JSON message', async () => {
    await start([{ reply: { toolUse: { name: 'Bash', input: { command: 'ls' }, id: 'toolu_fixed' } } }]);
    const res = await post('/v1/messages', messagesBody('x', { stream: false }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: 'msg_scripted_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'tool_use', id: 'toolu_fixed', name: 'Bash', input: { command: 'ls' } }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: DEFAULT_USAGE,
    });
  });

  it('answers a scripted error with its status and the Anthropic error envelope', async () => {
    await start([{ reply: { error: { status: 529, type: 'overloaded_error', message: 'busy' } } }]);
    const res = await post('/v1/messages', messagesBody('x'));
    expect(res.status).toBe(529);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'busy' } });
    expect(api!.requests[0]!.status).toBe(529);
  });

  it('turns a reply function that throws into a 500 api_error naming the reason', async () => {
    await start([{ reply: () => { throw new Error('no sha yet'); } }]);
    const res = await post('/v1/messages', messagesBody('x'));
    expect(res.status).toBe(500);
    expect(((await res.json()) as any).error).toEqual({ type: 'api_error', message: 'scripted reply threw: no sha yet' });
  });

  it('records every request with headers minus credentials, the body, the last user text and the rule index', async () => {
    await start([{ lastUserText: 'first', times: 1, reply: { text: 'one' } }, { lastUserText: 'second', reply: { text: 'two' } }]);
    await (await post('/v1/messages?beta=true', messagesBody('first'), { 'anthropic-version': '2023-06-01' })).text();
    await (await post('/v1/messages', messagesBody('first'))).text();
    await (await post('/v1/messages', messagesBody('second'))).text();
    const [a, b, c] = api!.requests;
    expect(a).toMatchObject({ seq: 0, method: 'POST', path: '/v1/messages', query: '?beta=true', kind: 'messages', ruleIndex: 0, status: 200, lastUserText: 'first', model: 'claude-sonnet-4-5', stream: true, toolNames: ['Bash'] });
    expect(a!.headers['anthropic-version']).toBe('2023-06-01');
    expect(a!.headers['x-api-key']).toBeUndefined();
    expect(a!.headers.authorization).toBeUndefined();
    expect(JSON.stringify(api!.requests)).not.toContain('sk-secret');
    expect((a!.body as any).max_tokens).toBe(1000);
    expect(b!.ruleIndex).toBeNull(); // times: 1 spent, no other rule matches: the fallback answered
    expect(c!.ruleIndex).toBe(1);
  });

  it('answers count_tokens, model listings and probes, and 404s unknown paths, recording them all', async () => {
    await start([]);
    const count = await post('/v1/messages/count_tokens', messagesBody('hi'));
    expect(((await count.json()) as any).input_tokens).toBeGreaterThan(0);
    const models = (await (await fetch(api!.url + '/v1/models')).json()) as any;
    expect(models.data.length).toBeGreaterThan(0);
    expect(((await (await fetch(api!.url + '/v1/models/claude-x')).json()) as any).id).toBe('claude-x');
    expect((await fetch(api!.url + '/api/hello', { method: 'HEAD' })).status).toBe(200);
    const missing = await fetch(api!.url + '/v1/complete', { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.type).toBe('not_found_error');
    expect(api!.requests.map((r) => [r.kind, r.status])).toEqual([
      ['count_tokens', 200],
      ['models', 200],
      ['models', 200],
      ['probe', 200],
      ['unknown', 404],
    ]);
    expect(api!.messages()).toEqual([]);
  });

  it('decodes a gzip request body', async () => {
    const { gzipSync } = await import('node:zlib');
    await start([{ lastUserText: 'zipped', reply: { text: 'ok' } }]);
    const res = await fetch(api!.url + '/v1/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(messagesBody('zipped'))),
    });
    expect(res.status).toBe(200);
    await res.text();
    expect(api!.requests[0]!.ruleIndex).toBe(0);
  });

  it('waits for n Messages requests, and times out with a message naming the fix', async () => {
    await start([]);
    const waiting = api!.waitForRequests(2, 5000);
    await (await post('/v1/messages', messagesBody('a'))).text();
    await (await post('/v1/messages/count_tokens', messagesBody('a'))).text();
    await (await post('/v1/messages', messagesBody('b'))).text();
    expect((await waiting).map((r) => r.lastUserText)).toEqual(['a', 'b']);
    await expect(api!.waitForRequests(3, 50)).rejects.toMatchObject({ code: 'SCRIPTED_API_TIMEOUT', message: expect.stringContaining('ANTHROPIC_BASE_URL') });
  });

  it('switches to a new scenario for later requests', async () => {
    await start([{ reply: { text: 'old' } }]);
    api!.setScenario([{ reply: { error: { status: 401, type: 'authentication_error', message: 'bad key' } } }]);
    expect((await post('/v1/messages', messagesBody('a'))).status).toBe(401);
  });

  it('closes promptly even with a keep-alive connection open', async () => {
    await start([]);
    await (await post('/v1/messages', messagesBody('a'))).text();
    const t = Date.now();
    await api!.close();
    api = undefined;
    expect(Date.now() - t).toBeLessThan(2000);
  });
});
