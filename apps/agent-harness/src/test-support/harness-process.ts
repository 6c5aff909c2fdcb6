import { createHash } from 'node:crypto';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { claudeOfflineEnv, tempDir } from '@hive/testkit';
import { harnessMainPath } from '../testing.js';

export interface RunningHarness {
  port: number;
  url: string;
  stateDir: string;
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

/**
 * Env for a harness process under test: temp state, port 0 unless given, no HIVE_CLAUDE_CMD (so it runs
 * the pinned CLI it resolves itself) talking to the API at `apiUrl`, with HOME = the state dir as in production.
 */
export function harnessEnv(apiUrl: string, over: Record<string, string> = {}): Record<string, string> {
  const state = path.join(tempDir('hive-harness-'), 'state');
  return {
    ...claudeOfflineEnv({ apiUrl, home: state }),
    HIVE_NAME: 'coder',
    HIVE_PORT: '0',
    HIVE_TOKEN: 'agent-token-123',
    HIVE_DAEMON_KEY_SHA256: TEST_DAEMON_KEY_SHA256,
    HIVE_STATE: state,
    HIVE_DAEMON_URL: 'http://127.0.0.1:9',
    ...over,
  };
}

/** Starts the built harness as a real process with exactly `env` and waits for its "listening" log line. */
export async function startHarness(env: Record<string, string>, onOutput?: (all: string) => void): Promise<RunningHarness> {
  const proc = execa(process.execPath, [harnessMainPath], { env, extendEnv: false, reject: false, cwd: path.dirname(harnessMainPath) });
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
    output: () => out,
    proc,
    stop: async () => {
      proc.kill('SIGTERM');
      await proc;
    },
  };
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
