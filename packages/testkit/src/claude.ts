/** The real claude CLI for tests: where it is, the env that keeps it offline and fast, and one run of it. */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execa } from 'execa';
import { ClaudeNotInstalledError } from './errors.js';

const WRAPPER = '@anthropic-ai/claude-code';

/** The npm package that carries this machine's native binary, e.g. `@anthropic-ai/claude-code-linux-x64`. */
export function claudePlatformPackage(): string {
  // Same rule as the package's own install.cjs: glibc reports a runtime version, musl does not.
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const musl = process.platform === 'linux' && !report?.header?.glibcVersionRuntime;
  return `${WRAPPER}-${process.platform}-${process.arch}${musl ? '-musl' : ''}`;
}

/**
 * The realpath of the native claude binary, or null when the CLI is not installed.
 * Prefers the platform package's file (what a sandbox should bind); falls back to the wrapper's
 * bin/claude.exe, which the postinstall replaces with the same binary (a small stub means it did not run).
 */
export function findClaudeBinary(from: string = import.meta.url): string | null {
  let wrapperDir: string;
  try {
    wrapperDir = path.dirname(createRequire(from).resolve(`${WRAPPER}/package.json`));
  } catch {
    return null;
  }
  try {
    const pkgJson = createRequire(path.join(wrapperDir, 'package.json')).resolve(`${claudePlatformPackage()}/package.json`);
    const bin = path.join(path.dirname(pkgJson), 'claude');
    if (existsSync(bin)) return realpathSync(bin);
  } catch {
    // no platform package: try the wrapper's copy
  }
  const exe = path.join(wrapperDir, 'bin', 'claude.exe');
  return existsSync(exe) && statSync(exe).size > 1_000_000 ? realpathSync(exe) : null;
}

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
