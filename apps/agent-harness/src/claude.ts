import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { firstErrorLine } from '@hive/core';
import { parseStreamLine, type StreamEvent } from './stream-json.js';

export interface ClaudeRunOptions {
  /** The claude command as an argv prefix, e.g. `['claude']` or `['node', '/abs/fake-claude.mjs']`. */
  command: string[];
  prompt: string;
  model: string;
  mcpConfig: string;
  /** Resume this claude session when set. */
  sessionId: string | null;
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  onEvent: (event: StreamEvent) => void;
}

export type ClaudeOutcome =
  | { ok: true }
  | { ok: false; cancelled: boolean; message: string };

/** claude's argv for one turn; the model is whatever the caller read at the turn's start. */
export function claudeArgs(opts: Pick<ClaudeRunOptions, 'prompt' | 'model' | 'mcpConfig' | 'sessionId'>): string[] {
  const args = ['-p', opts.prompt, '--output-format', 'stream-json', '--verbose', '--model', opts.model, '--mcp-config', opts.mcpConfig];
  if (opts.sessionId) args.push('--resume', opts.sessionId);
  return args;
}

/** Runs one claude turn, feeding parsed stream-json events to `onEvent` as they arrive. */
export async function runClaude(opts: ClaudeRunOptions): Promise<ClaudeOutcome> {
  const [file, ...prefix] = opts.command;
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
  if (sub.stdout) {
    const lines = createInterface({ input: sub.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      for (const ev of parseStreamLine(line)) opts.onEvent(ev);
    });
  }
  const result = await sub;
  if (result.isCanceled) return { ok: false, cancelled: true, message: 'turn cancelled' };
  if (!result.failed) return { ok: true };
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  if (result.exitCode === undefined) {
    return { ok: false, cancelled: false, message: `cannot run ${opts.command.join(' ')}: ${result.originalMessage ?? result.shortMessage}` };
  }
  const detail = stderr.trim() ? firstErrorLine(stderr) : 'no stderr';
  return { ok: false, cancelled: false, message: `claude exited with code ${result.exitCode}: ${detail}` };
}
