/** Turns a scripted reply into an Anthropic message, and a message into the SSE events of the streaming protocol. */
import type { ReplyBlock, ReplyContext, Reply, Usage } from './types.js';

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface AssistantMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ContentBlock[];
  stop_reason: 'end_turn' | 'tool_use';
  stop_sequence: null;
  usage: Usage;
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

type SuccessReply = Exclude<Reply, { error: unknown }>;

const blocksOf = (reply: SuccessReply): ReplyBlock[] =>
  'blocks' in reply ? reply.blocks : 'toolUse' in reply ? [{ toolUse: reply.toolUse }] : [{ text: reply.text }];

/** Builds the message for a non-error reply; `nextToolId` hands out ids for tool calls that name none. */
export function buildMessage(
  reply: SuccessReply,
  opts: { id: string; model: string; usage: Usage; ctx: ReplyContext; nextToolId: () => string },
): AssistantMessage {
  const content: ContentBlock[] = blocksOf(reply).map((b) => {
    if ('text' in b) return { type: 'text', text: b.text };
    const input = typeof b.toolUse.input === 'function' ? b.toolUse.input(opts.ctx) : b.toolUse.input;
    return { type: 'tool_use', id: b.toolUse.id ?? opts.nextToolId(), name: b.toolUse.name, input };
  });
  return {
    id: opts.id,
    type: 'message',
    role: 'assistant',
    model: opts.model,
    content,
    stop_reason: content.some((c) => c.type === 'tool_use') ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { ...opts.usage, ...reply.usage },
  };
}

// Several deltas per block, as the real API sends, so consumers of partial messages see real streaming.
function chunks(s: string, size = 24): string[] {
  if (s === '') return [''];
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

/** The SSE events Anthropic sends for this message, in order (message_start … message_stop). */
export function streamEvents(msg: AssistantMessage): SseEvent[] {
  const ev = (event: string, data: Record<string, unknown> = {}): SseEvent => ({ event, data: { type: event, ...data } });
  const { usage } = msg;
  const events: SseEvent[] = [
    // As the real API: message_start carries the input side and a token of output; message_delta the final counts.
    ev('message_start', {
      message: { ...msg, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: Math.min(1, usage.output_tokens) } },
    }),
    ev('ping'),
  ];
  msg.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const text of chunks(block.text)) events.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text } }));
    } else {
      events.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } }));
      for (const partial_json of chunks(JSON.stringify(block.input)))
        events.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }));
    }
    events.push(ev('content_block_stop', { index }));
  });
  events.push(ev('message_delta', { delta: { stop_reason: msg.stop_reason, stop_sequence: null }, usage }));
  events.push(ev('message_stop'));
  return events;
}

/** One SSE frame on the wire. */
export const sseFrame = (e: SseEvent): string => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
