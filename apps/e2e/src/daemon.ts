import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { startScriptedApi, tempDir, type ScriptedApi } from '@hive/testkit';

const require = createRequire(import.meta.url);
/** The built `hive` CLI of @hive/daemon (turbo builds it before this package's tests). */
export const HIVE_CLI = path.join(path.dirname(require.resolve('@hive/daemon/package.json')), 'dist/cli.js');

export interface Daemon {
  /** `http://127.0.0.1:<port>` — the dashboard and the API. */
  url: string;
  stateDir: string;
  /** The operator token `hive up` generated in the state dir. */
  token: string;
  /** The login link `hive up` printed: open it and the page trades the token for a session cookie. */
  loginUrl: string;
  /** Env for the `hive` CLI pointed at this daemon. */
  env: Record<string, string>;
  /** Agent ports: the manager's, and the base the hashed ports are added to. */
  managerPort: number;
  agentPortBase: number;
  /** The scripted Anthropic API its agents' real claude talks to (absent when the caller passed ANTHROPIC_BASE_URL). */
  api: ScriptedApi | null;
  output(): string;
  stop(): Promise<void>;
}

/** Env that keeps the real claude CLI on a scripted loopback API, fast and offline. */
export function offlineClaudeEnv(apiUrl: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: apiUrl,
    ANTHROPIC_API_KEY: 'sk-ant-scripted-e2e',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_MAX_RETRIES: '0',
  };
}

/**
 * Runs the real `hive up` (process runtime) on a temp state dir and a free
 * dashboard port. Agent ports are moved off 8000/8100 so the suite does not
 * fight a daemon already running on this machine.
 */
export async function startDaemon(
  o: { stateDir?: string; port?: number; managerPort?: number; agentPortBase?: number; env?: Record<string, string> } = {},
): Promise<Daemon> {
  const stateDir = o.stateDir ?? tempDir('hive-e2e-');
  const managerPort = o.managerPort ?? 20000 + Math.floor(Math.random() * 9000);
  const agentPortBase = o.agentPortBase ?? 30000 + Math.floor(Math.random() * 20000);
  // Agents run the real claude CLI: without a scripted API of the caller's, one that answers every turn with text.
  const api = o.env?.ANTHROPIC_BASE_URL ? null : await startScriptedApi([]);
  const env: Record<string, string> = {
    ...(api ? offlineClaudeEnv(api.url) : {}),
    HIVE_LOG_LEVEL: 'warn',
    HIVE_MANAGER_PORT: String(managerPort),
    HIVE_AGENT_PORT_BASE: String(agentPortBase),
    ...o.env,
  };
  const proc: ResultPromise = execa(process.execPath, [HIVE_CLI, 'up', '--state', stateDir, '--runtime', 'process', '--port', String(o.port ?? 0)], {
    env,
    cwd: stateDir,
    reject: false,
    all: true,
  });
  let out = '';
  proc.all!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hive up did not print its dashboard URL in 90 s:\n${out}`)), 90_000);
    proc.all!.on('data', () => {
      // Both lines: the banner and the login link after it.
      const m = /dashboard (http:\/\/[^\s/]+)\/?[^\n]*\n[^\n]*log in: \S+#token=\S+/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void proc.then((r) => {
      clearTimeout(timer);
      reject(new Error(`hive up exited (${r.exitCode}) before serving:\n${out}`));
    });
  });
  const login = /log in: (http:\/\/\S+#token=(\S+))/.exec(out)!;
  return {
    url,
    token: login[2]!,
    loginUrl: login[1]!,
    api,
    stateDir,
    env: { ...env, HIVE_URL: url, HIVE_STATE_DIR: stateDir },
    managerPort,
    agentPortBase,
    output: () => out,
    async stop() {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await proc;
      clearTimeout(t);
      await api?.close();
    },
  };
}

/** Runs the `hive` CLI against the daemon; returns exit code and output, never throws. */
export async function hive(d: Daemon, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await execa(process.execPath, [HIVE_CLI, ...args], { env: d.env, cwd: d.stateDir, reject: false });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A JSON request to the daemon's API, as a script would send it: the operator token, and the JSON content type the CSRF guard wants. */
export async function apiCall(d: Daemon, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(d.url + p, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${d.token}`, ...headers },
    body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/**
 * SIGKILLs the process listening on `port` on this host (an agent's harness dying, as far as the
 * daemon can tell); returns its pid. Read from /proc: the socket's inode, then the fd that holds it.
 */
export function killPortHolder(port: number): number {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is addr:PORT in hex; state 0A is LISTEN; field 9 is the inode.
      if (f[3] === '0A' && parseInt(f[1]!.split(':').pop()!, 16) === port) inodes.add(`socket:[${f[9]}]`);
    }
  }
  if (inodes.size === 0) throw new Error(`nothing listens on port ${port}`);
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link = '';
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (inodes.has(link)) {
        process.kill(Number(pid), 'SIGKILL');
        return Number(pid);
      }
    }
  }
  throw new Error(`port ${port} listens, but /proc shows no process holding it`);
}
