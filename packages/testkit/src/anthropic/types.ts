/** The vocabulary of a scripted Messages API: scenarios, rules, replies and what gets recorded. */

/** Token counts reported for one reply; cost tests assert on these. */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** What a reply function or a tool input function can read about the request it answers. */
export interface ReplyContext {
  /** Text of the most recent `tool_result` in the conversation, system reminders stripped, trimmed ('' when none). */
  lastToolResult: string;
  /** Text of the last `user` message (see {@link RecordedRequest.lastUserText}). */
  lastUserText: string;
  request: RecordedRequest;
}

export interface ToolUseSpec {
  name: string;
  /** The tool's arguments, or a function of the request (e.g. to echo a sha the last tool printed). */
  input: Record<string, unknown> | ((ctx: ReplyContext) => Record<string, unknown>);
  /** Defaults to a per-server counter, `toolu_scripted_<n>`. */
  id?: string;
}

export type ReplyBlock = { text: string } | { toolUse: ToolUseSpec };

export interface ApiErrorSpec {
  /** HTTP status, e.g. 500, 529, 401, 429. */
  status: number;
  /** Anthropic error type, e.g. `api_error`, `overloaded_error`, `authentication_error`. */
  type: string;
  message: string;
}

interface ReplyExtras {
  /** Overrides the scenario's usage for this reply. */
  usage?: Partial<Usage>;
}

/** One answer: text, a tool call, several blocks, or an HTTP error. */
export type Reply =
  | ({ text: string } & ReplyExtras)
  | ({ toolUse: ToolUseSpec } & ReplyExtras)
  | ({ blocks: ReplyBlock[] } & ReplyExtras)
  | { error: ApiErrorSpec };

/** A rule fires when every matcher it sets holds; the first firing rule of the scenario answers. */
export interface Rule {
  /** Substring of, or pattern tested against, the last user message's text. */
  lastUserText?: string | RegExp;
  /** Whether the last user message carries a `tool_result`. */
  hasToolResult?: boolean;
  /** A tool name that must be offered in the request's `tools`. */
  toolOffered?: string;
  /** Exact model name or a pattern. */
  model?: string | RegExp;
  /** Fire at most this many times, then let later rules answer. */
  times?: number;
  reply: Reply | ((ctx: ReplyContext) => Reply);
}

export interface ScenarioOptions {
  rules: Rule[];
  /** Usage for every reply unless a reply sets its own; defaults to {@link DEFAULT_USAGE}. */
  usage?: Partial<Usage>;
  /** Answer when no rule fires; defaults to a plain text reply. */
  fallback?: Reply;
}

/** An ordered list of rules (first match wins), or the same with scenario-wide options. */
export type Scenario = Rule[] | ScenarioOptions;

export type RequestKind = 'messages' | 'count_tokens' | 'models' | 'probe' | 'unknown';

/** Everything the server saw of one HTTP request, for assertions. */
export interface RecordedRequest {
  /** 0-based order of arrival across all paths. */
  seq: number;
  method: string;
  /** Path without the query string, e.g. `/v1/messages`. */
  path: string;
  query: string;
  kind: RequestKind;
  /** Request headers with `x-api-key` and `authorization` removed. */
  headers: Record<string, string>;
  /** Parsed JSON body (undefined when there was none or it was not JSON). */
  body: unknown;
  model: string | null;
  stream: boolean;
  /** Names of the tools offered in `tools`. */
  toolNames: string[];
  /** Text of the last `user` message: its text blocks (system reminders stripped) and tool_result contents. */
  lastUserText: string;
  lastToolResult: string;
  hasToolResult: boolean;
  /** Index of the rule that answered; null for the fallback or a non-messages request. */
  ruleIndex: number | null;
  /** The HTTP status answered. */
  status: number;
}

export const DEFAULT_USAGE: Usage = {
  input_tokens: 100,
  output_tokens: 20,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};

export const DEFAULT_FALLBACK: Reply = { text: 'scripted fallback reply' };
