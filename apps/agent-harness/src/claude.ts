import { createInterface } from 'node:readline';
import { firstErrorLine } from '@hive/core';
import { parseStreamLine, type ApiFailure, type ResultEvent, type StreamEvent } from './stream-json.js';

/** What the agent's `hive` settings grant claude (SPEC §10). */
export interface ClaudePermissions {
  /** `--permission-mode`; null leaves claude's own default. */
  permissionMode: string | null;
  /** Granted without a prompt, beside `mcp__hive` which is always granted. */
  allowedTools: string[];
  disallowedTools: string[];
  maxTurns: number | null;
}

export interface ClaudeArgsOptions {
  prompt: string;
  model: string;
  mcpConfig: string;
  /** Resume this claude session when set. */
  sessionId: string | null;
  permissions: ClaudePermissions;
  /** The rendered system prompt (plus the settings' `appendSystemPrompt`); empty appends nothing. */
  systemPrompt: string;
}

export interface ClaudeRunOptions extends ClaudeArgsOptions {
  /** The claude command as an argv prefix, e.g. `['/abs/claude']` or `['node', '/abs/cli.mjs']`. */
  command: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  onSession?: (id: string) => void;
  /** Reply text as it is generated, each chunk once (a final message that repeats streamed text is not sent again). */
  onText?: (text: string) => void;
  onTool?: (name: string, input: unknown) => void;
}

/** How one claude run ended, with what it said and what its `result` reported. */
export interface ClaudeOutcome {
  status: 'ok' | 'failed' | 'cancelled';
  /** The reply: every text message of the run, in order. */
  text: string;
  /** One line naming the cause when the run failed. */
  error: string | null;
  /** The API call that failed, when that is why. */
  apiError: ApiFailure | null;
  result: ResultEvent | null;
  /** Whether claude got as far as starting a session (a resume that fails before it may point at a lost session). */
  sawSession: boolean;
}

/** claude's argv for one turn; the model is whatever the caller read at the turn's start. */
export function claudeArgs(o: ClaudeArgsOptions): string[] {
  // The prompt goes right after -p: the variadic tool lists below must not swallow it.
  const args = ['-p', o.prompt, '--output-format', 'stream-json', '--verbose', '--include-partial-messages'];
  args.push('--model', o.model, '--mcp-config', o.mcpConfig, '--strict-mcp-config');
  if (o.sessionId) args.push('--resume', o.sessionId);
  const p = o.permissions;
  // Headless, nothing prompts: the hive tools are granted here or they are denied.
  args.push('--allowedTools', 'mcp__hive', ...p.allowedTools.filter((t) => t !== 'mcp__hive'));
  if (p.disallowedTools.length) args.push('--disallowedTools', ...p.disallowedTools);
  if (p.permissionMode) args.push('--permission-mode', p.permissionMode);
  if (p.maxTurns !== null) args.push('--max-turns', String(p.maxTurns));
  if (o.systemPrompt) args.push('--append-system-prompt', o.systemPrompt);
  return args;
}

/** The `--permission-mode` to pass: claude refuses bypassPermissions as uid 0, so root falls back to acceptEdits with a warning. */
export function effectivePermissionMode(mode: string, uid: number | null): { mode: string | null; warning: string | null } {
  if (mode === 'bypassPermissions' && uid === 0) {
    return { mode: 'acceptEdits', warning: 'hive.permissionMode bypassPermissions is refused by claude as uid 0: using acceptEdits (run agents in the sandbox, as a non-root uid, to bypass)' };
  }
  return { mode: mode === 'default' ? null : mode, warning: null };
}

const API_ERROR_NAMES: Record<string, string> = {
  overloaded_error: 'overloaded',
  api_error: 'server error',
  rate_limit_error: 'rate limited',
  permission_error: 'permission denied',
  invalid_request_error: 'invalid request',
  not_found_error: 'not found',
  request_too_large: 'request too large',
};

/** One page line for a failed API call: what failed and claude's own words, e.g. `API error 529 overloaded: …`. */
export function apiErrorLine(e: ApiFailure, baseUrl: string): string {
  const detail = (e.text.replace(/^API Error:\s*/i, '').replace(/\s+/g, ' ').trim() || 'no detail').slice(0, 500);
  if (e.status === 401 || e.kind === 'authentication_failed') return `API key rejected (${e.status ?? 401}): ${detail} — set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) for the daemon`;
  // No key and no `claude login`: the CLI says "Not logged in"; that is a missing credential, not a network fault.
  if (e.status === null && /not logged in|\/login/i.test(detail))
    return `no API credential: ${detail} — set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) for the daemon, or run claude login with this agent's HOME`;
  if (e.status === null) return `cannot reach the API at ${baseUrl}: ${detail}`;
  const name = (e.type && API_ERROR_NAMES[e.type]) ?? e.type ?? 'error';
  return `API error ${e.status} ${name}: ${detail.replace(new RegExp(`^${e.status}\\s+`), '')}`;
}

/** Runs one claude turn, streaming its text and tool calls through the callbacks; never throws for claude's failures. */
export async function runClaude(opts: ClaudeRunOptions): Promise<ClaudeOutcome> {
  const [file, ...prefix] = opts.command;
  // Loaded at the first turn, not at start: an idle harness never pays for execa (density, issue 15).
  const { execa } = await import('execa');
  const sub = execa(file!, [...prefix, ...claudeArgs(opts)], {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    cancelSignal: opts.signal,
    forceKillAfterDelay: 3000,
    buffer: { stdout: false, stderr: true },
    // stderr is kept only for the error line; a cap stops a chatty claude from growing the harness unbounded.
    maxBuffer: { stderr: 16_000_000 },
  });
  const parts: string[] = [];
  // Message ids already streamed as deltas; their final `assistant` message is not sent to the page again.
  const streamed = new Set<string>();
  let anonOpen = false;
  let emitted = false;
  let result: ResultEvent | null = null;
  let apiError: ApiFailure | null = null;
  let sawSession = false;
  const emit = (text: string, startsMessage: boolean) => {
    // A new message is set apart from the text before it.
    opts.onText?.(startsMessage && emitted ? `\n\n${text}` : text);
    emitted = true;
  };
  const on = (ev: StreamEvent): void => {
    switch (ev.kind) {
      case 'session':
        sawSession = true;
        opts.onSession?.(ev.id);
        return;
      case 'delta': {
        const first = ev.messageId ? !streamed.has(ev.messageId) : !anonOpen;
        emit(ev.text, first);
        if (ev.messageId) streamed.add(ev.messageId);
        else anonOpen = true;
        return;
      }
      case 'message': {
        // Deltas without an id (older CLIs) are taken to belong to the next full message, whatever its id.
        const already = (ev.messageId !== null && streamed.has(ev.messageId)) || anonOpen;
        if (!already) emit(ev.text, true);
        anonOpen = false;
        parts.push(ev.text);
        return;
      }
      case 'tool':
        opts.onTool?.(ev.name, ev.input);
        return;
      case 'api_error':
        apiError = ev.error;
        return;
      case 'result':
        result = ev;
        apiError = ev.apiError ?? apiError;
        return;
    }
  };
  if (sub.stdout) {
    const lines = createInterface({ input: sub.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      for (const ev of parseStreamLine(line)) on(ev);
    });
  }
  const run = await sub;
  const done = { text: parts.join('\n\n'), apiError, result, sawSession };
  if (run.isCanceled) return { ...done, status: 'cancelled', error: 'turn cancelled' };
  const baseUrl = opts.env.ANTHROPIC_BASE_URL || 'https://api.anthropic.com';
  // claude exits 1 after an API error: its own account of the call beats "exit code 1".
  if (done.apiError) return { ...done, status: 'failed', error: apiErrorLine(done.apiError, baseUrl) };
  const final = done.result as ResultEvent | null;
  if (final?.isError) {
    const hint = final.subtype === 'error_max_turns' ? ' — raise hive.maxTurns if the agent needs more steps' : '';
    const detail = (final.errors.join('; ') || final.text || 'no detail').replace(/\s+/g, ' ').slice(0, 500);
    return { ...done, status: 'failed', error: `claude stopped (${final.subtype || 'error'}): ${detail}${hint}` };
  }
  if (!run.failed) return { ...done, status: 'ok', error: null, text: done.text || final?.text || '' };
  const stderr = typeof run.stderr === 'string' ? run.stderr : '';
  if (run.exitCode === undefined) {
    return { ...done, status: 'failed', error: `cannot run ${opts.command.join(' ')}: ${run.originalMessage ?? run.shortMessage}` };
  }
  const detail = stderr.trim() ? firstErrorLine(stderr) : 'no stderr';
  return { ...done, status: 'failed', error: `claude exited with code ${run.exitCode}: ${detail}` };
}
