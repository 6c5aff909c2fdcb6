/** The real claude CLI for tests: where it is, the env that keeps it offline and fast, and one run of it. */
import { execa } from 'execa';
import { claudePlatformPackage, findClaudeBinary as findBinary } from '@hive/core';
import { ClaudeNotInstalledError } from './errors.js';

/** The realpath of the native claude binary testkit depends on, or null when the CLI is not installed. */
export function findClaudeBinary(from: string = import.meta.url): string | null {
  return findBinary(from);
}

export { claudePlatformPackage };

/** Like findClaudeBinary, but throws ClaudeNotInstalledError instead of returning null. */
export function requireClaudeBinary(): string {
  const bin = findClaudeBinary();
  if (!bin) throw new ClaudeNotInstalledError();
  return bin;
}

/** Env for claude against a scripted API: a private HOME, a dummy key, no traffic but the API, no retries. */
export function claudeOfflineEnv(opts: { apiUrl: string; home: string; extra?: Record<string, string> }): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: opts.home,
    ANTHROPIC_BASE_URL: opts.apiUrl,
    ANTHROPIC_API_KEY: 'sk-ant-scripted-test',
    // Also turns off the autoupdater, telemetry, error reporting and the HEAD /api/hello probe.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // 0 retries: an error reply ends the turn at once instead of after ~10 backed-off attempts.
    CLAUDE_CODE_MAX_RETRIES: '0',
    ...opts.extra,
  };
}

export interface ClaudeRun {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** stdout's JSON lines, parsed (other lines skipped). */
  events: Array<Record<string, unknown>>;
  durationMs: number;
}

/** Runs `claude <args>` once with exactly `env` (nothing inherited), never throwing on a non-zero exit. */
export async function runClaudeCli(args: string[], opts: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<ClaudeRun> {
  const started = Date.now();
  const r = await execa(requireClaudeBinary(), args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    timeout: opts.timeoutMs ?? 60_000,
  });
  const events: Array<Record<string, unknown>> = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partial line at a timeout: skip it
    }
  }
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, events, durationMs: Date.now() - started };
}
