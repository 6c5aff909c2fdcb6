import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { tempDir } from '@hive/testkit';
import { fakeClaudeCommand, harnessMainPath } from '../testing.js';

export interface RunningHarness {
  port: number;
  url: string;
  stateDir: string;
  claudeLog: string;
  output: () => string;
  stop: () => Promise<void>;
  proc: ResultPromise;
}

/** The daemon's key for harnesses under test; the harness gets only its hash. */
export const TEST_DAEMON_KEY = 'test-daemon-key-0123456789abcdef';
export const TEST_DAEMON_KEY_SHA256 = createHash('sha256').update(TEST_DAEMON_KEY).digest('hex');
/** The header the daemon sends on every harness call. */
export const daemonAuth = { authorization: `Bearer ${TEST_DAEMON_KEY}` };

/** fetch as the daemon does it: with its key. */
export function daemonFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...daemonAuth, ...(init.headers as Record<string, string> | undefined) } });
}

/** Env for a harness under test: fake claude, temp state, port 0 unless given. */
export function harnessEnv(over: Record<string, string> = {}): Record<string, string> {
  const dir = tempDir('hive-harness-');
  return {
    HIVE_NAME: 'coder',
    HIVE_PORT: '0',
    HIVE_TOKEN: 'agent-token-123',
    HIVE_DAEMON_KEY_SHA256: TEST_DAEMON_KEY_SHA256,
    HIVE_STATE: path.join(dir, 'state'),
    HIVE_DAEMON_URL: 'http://127.0.0.1:9',
    HIVE_CLAUDE_CMD: fakeClaudeCommand,
    FAKE_CLAUDE_LOG: path.join(dir, 'claude.log'),
    FAKE_CLAUDE_DELAY_MS: '10',
    ...over,
  };
}

/** Starts the built harness as a real process and waits for its "listening" log line. */
export async function startHarness(env: Record<string, string>, onOutput?: (all: string) => void): Promise<RunningHarness> {
  const proc = execa(process.execPath, [harnessMainPath], { env, extendEnv: true, reject: false, cwd: path.dirname(harnessMainPath) });
  let out = '';
  const take = (d: Buffer) => {
    out += d.toString();
    onOutput?.(out);
  };
  proc.stdout?.on('data', take);
  proc.stderr?.on('data', take);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(Number(m[1]));
      }
    }, 20);
    void proc.then((r) => {
      clearInterval(timer);
      reject(new Error(`harness exited ${r.exitCode} before listening:\n${out}`));
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    stateDir: env.HIVE_STATE!,
    claudeLog: env.FAKE_CLAUDE_LOG!,
    output: () => out,
    proc,
    stop: async () => {
      proc.kill('SIGTERM');
      await proc;
    },
  };
}

/** The argv of every fake claude run so far. */
export function claudeRuns(logFile: string): string[][] {
  try {
    return readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
  } catch {
    return [];
  }
}

/** The value after `flag` in an argv. */
export function argOf(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
