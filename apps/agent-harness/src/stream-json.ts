/** Token counts of a turn, as the `result` event's `usage` gives them. */
export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/** An API call that failed, as claude reports it (an assistant message flagged `is_api_error_message`, or the result). */
export interface ApiFailure {
  /** HTTP status, absent for transport errors (connection refused, DNS, TLS). */
  status: number | null;
  /** The API's error type, e.g. `overloaded_error`. */
  type: string | null;
  /** claude's typed kind, e.g. `connection_failed`, `authentication_failed`, `server_error`. */
  kind: string | null;
  /** claude's own one-line text, e.g. `API Error: 529 Overloaded. …`. */
  text: string;
}

/** The `result` event that ends every claude run. */
export interface ResultEvent {
  kind: 'result';
  text: string;
  isError: boolean;
  subtype: string;
  /** What this run cost (not the resumed session's running total). */
  costUsd: number;
  /** `total_cost_usd`: the whole session's cost so far when the run resumed one. */
  sessionCostUsd: number;
  /** Token counts of this run. */
  usage: TokenUsage;
  /** This run's usage per model. */
  modelUsage: Record<string, unknown>;
  numTurns: number;
  durationMs: number;
  /** claude's own error lines, e.g. `Reached maximum number of turns (3)`. */
  errors: string[];
  /** Set when the run ended on a failed API call. */
  apiError: ApiFailure | null;
}

/** What the turn loop cares about in one line of claude's `--output-format stream-json`. */
export type StreamEvent =
  | { kind: 'session'; id: string }
  /** A partial text chunk (`--include-partial-messages`); `messageId` ties it to the `message` that repeats it. */
  | { kind: 'delta'; text: string; messageId: string | null }
  | { kind: 'message'; text: string; messageId: string | null }
  | { kind: 'tool'; name: string; input: unknown }
  | { kind: 'api_error'; error: ApiFailure }
  | ResultEvent;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
const int = (v: unknown): number => Math.round(num(v));

function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content.flatMap((b) => (isObj(b) && b.type === 'text' && typeof b.text === 'string' ? [b.text] : [])).join('\n');
}

function tokenUsage(u: unknown): TokenUsage {
  const o = isObj(u) ? u : {};
  return {
    input_tokens: int(o.input_tokens),
    output_tokens: int(o.output_tokens),
    cache_read_input_tokens: int(o.cache_read_input_tokens),
    cache_creation_input_tokens: int(o.cache_creation_input_tokens),
  };
}

function apiFailure(ev: Obj, text: string): ApiFailure {
  const status = typeof ev.api_error_status === 'number' ? ev.api_error_status : null;
  return { status, type: str(ev.api_error_type), kind: str(ev.api_error) ?? str(ev.error), text };
}

/** Sums `costUSD` over a modelUsage map. */
function costOf(modelUsage: Obj): number {
  let usd = 0;
  for (const m of Object.values(modelUsage)) if (isObj(m)) usd += num(m.costUSD);
  return Math.round(usd * 1e9) / 1e9;
}

function resultEvent(ev: Obj): ResultEvent {
  const text = typeof ev.result === 'string' ? ev.result : '';
  const subtype = str(ev.subtype) ?? '';
  const isError = ev.is_error === true || subtype.startsWith('error');
  const failedApi = isError && (ev.terminal_reason === 'api_error' || typeof ev.api_error_status === 'number' || str(ev.api_error) !== null);
  // With --resume, total_cost_usd and modelUsage add up the whole session so far; model_usage_since_last_result is this run's alone.
  const sinceLast = isObj(ev.model_usage_since_last_result) ? ev.model_usage_since_last_result : null;
  return {
    kind: 'result',
    text,
    isError,
    subtype,
    costUsd: sinceLast ? costOf(sinceLast) : num(ev.total_cost_usd),
    sessionCostUsd: num(ev.total_cost_usd),
    usage: tokenUsage(ev.usage),
    modelUsage: sinceLast ?? (isObj(ev.modelUsage) ? ev.modelUsage : {}),
    numTurns: int(ev.num_turns),
    durationMs: num(ev.duration_ms),
    errors: Array.isArray(ev.errors) ? ev.errors.filter((e): e is string => typeof e === 'string' && e !== '') : [],
    apiError: failedApi ? apiFailure(ev, text) : null,
  };
}

function assistantEvents(ev: Obj, message: Obj): StreamEvent[] {
  // A failed API call comes back as a synthetic assistant message: it is an error, not the agent's words.
  if (ev.is_api_error_message === true || (str(ev.error) && message.model === '<synthetic>')) {
    return [{ kind: 'api_error', error: apiFailure(ev, textOf(message.content)) }];
  }
  const out: StreamEvent[] = [];
  const messageId = str(message.id);
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (!isObj(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string' && block.text) out.push({ kind: 'message', text: block.text, messageId });
    if (block.type === 'tool_use' && typeof block.name === 'string') out.push({ kind: 'tool', name: block.name, input: block.input });
  }
  return out;
}

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
  if (ev.type === 'system' && ev.subtype === 'init' && typeof ev.session_id === 'string') return [{ kind: 'session', id: ev.session_id }];
  if (ev.type === 'stream_event' && isObj(ev.event)) {
    // Present only with partial messages: token-level text deltas. Subagent chatter (parent_tool_use_id) is not the reply.
    const inner = ev.event;
    if (str(ev.parent_tool_use_id)) return [];
    if (inner.type === 'content_block_delta' && isObj(inner.delta) && inner.delta.type === 'text_delta') {
      const text = inner.delta.text;
      if (typeof text === 'string' && text) return [{ kind: 'delta', text, messageId: str(ev.api_message_id) }];
    }
    return [];
  }
  if (ev.type === 'assistant' && isObj(ev.message)) return str(ev.parent_tool_use_id) ? [] : assistantEvents(ev, ev.message);
  if (ev.type === 'result') return [resultEvent(ev)];
  return [];
}
