/** What the turn loop cares about in one line of claude's `--output-format stream-json`. */
export type StreamEvent =
  | { kind: 'session'; id: string }
  | { kind: 'delta'; text: string }
  | { kind: 'message'; text: string }
  | { kind: 'tool'; name: string; input: unknown }
  | { kind: 'result'; text: string; isError: boolean };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads one stream-json line; unknown or non-JSON lines yield nothing (claude may print other noise). */
export function parseStreamLine(line: string): StreamEvent[] {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return [];
  let ev: unknown;
  try {
    ev = JSON.parse(trimmed);
  } catch {
    return [];
  }
  if (!isObj(ev)) return [];
  const out: StreamEvent[] = [];
  if (ev.type === 'system' && ev.subtype === 'init' && typeof ev.session_id === 'string') {
    out.push({ kind: 'session', id: ev.session_id });
  } else if (ev.type === 'stream_event' && isObj(ev.event)) {
    // Present only with partial messages: token-level text deltas.
    const inner = ev.event;
    if (inner.type === 'content_block_delta' && isObj(inner.delta) && inner.delta.type === 'text_delta') {
      const text = inner.delta.text;
      if (typeof text === 'string' && text) out.push({ kind: 'delta', text });
    }
  } else if (ev.type === 'assistant' && isObj(ev.message) && Array.isArray(ev.message.content)) {
    for (const block of ev.message.content) {
      if (!isObj(block)) continue;
      if (block.type === 'text' && typeof block.text === 'string' && block.text) out.push({ kind: 'message', text: block.text });
      if (block.type === 'tool_use' && typeof block.name === 'string') out.push({ kind: 'tool', name: block.name, input: block.input });
    }
  } else if (ev.type === 'result') {
    const text = typeof ev.result === 'string' ? ev.result : '';
    out.push({ kind: 'result', text, isError: ev.is_error === true || (typeof ev.subtype === 'string' && ev.subtype.startsWith('error')) });
  }
  return out;
}
