import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { HealthCheck } from '@hive/protocol';

/**
 * Checks that passed in this harness process, by what they ran: a deploy that leaves a server's
 * command, args, env, cwd and files as they were cannot have broken it, so it is not started
 * again (starting a node MCP server is most of a check's time). Failures are never kept, http/sse
 * servers are always asked (what answers there is outside this config), and a restart (new
 * harness code or packages) starts with an empty memo.
 */
export type HealthMemo = Map<string, { detail: string | undefined; at: number }>;

export interface HealthCheckOptions {
  /** The argv that runs claude (its `--version` must answer). */
  claudeCommand: string[];
  /** The `--mcp-config` file claude is given: every server in it must answer `initialize`. */
  mcpConfig: string;
  /** The env claude runs with (stdio servers get it, merged with their own `env`, as claude does). */
  env: NodeJS.ProcessEnv;
  cwd: string;
  timeoutMs: number;
  /** Passed checks to reuse when their inputs are unchanged (the harness keeps one). */
  memo?: HealthMemo;
}

/**
 * The agent's health as the daemon's deploy gate asks it: claude runs and every configured MCP
 * server initializes, checked side by side from inside the agent's sandbox. Never throws: each
 * failure is a check with a one-line detail.
 */
export async function runHealthChecks(o: HealthCheckOptions): Promise<{ ok: boolean; checks: HealthCheck[] }> {
  const servers = readServers(o.mcpConfig);
  const checks = await Promise.all([
    check('claude', () => claudeRuns(o), inputsKey('claude', o.claudeCommand, o)),
    ...('error' in servers
      ? [Promise.resolve({ name: 'mcp-config', ok: false, detail: servers.error })]
      : Object.entries(servers.ok).map(([name, entry]) => check(`mcp ${name}`, () => mcpInitializes(entry, o), stdioKey(name, entry, o)))),
  ]);
  return { ok: checks.every((c) => c.ok), checks };
}

async function check(name: string, run: () => Promise<string | undefined>, memo: { memo: HealthMemo; key: string } | null): Promise<HealthCheck> {
  const kept = memo?.memo.get(memo.key);
  if (kept) return { name, ok: true, detail: `${kept.detail ? `${kept.detail}; ` : ''}unchanged since the check at ${new Date(kept.at).toISOString()}` };
  try {
    const detail = await run();
    memo?.memo.set(memo.key, { detail, at: Date.now() });
    return detail ? { name, ok: true, detail } : { name, ok: true };
  } catch (e) {
    return { name, ok: false, detail: oneLine((e as Error).message) };
  }
}

/** A stdio server's memo key; null (always checked) for http/sse, or without a memo. */
function stdioKey(name: string, entry: Record<string, unknown>, o: HealthCheckOptions) {
  const type = typeof entry.type === 'string' ? entry.type : typeof entry.url === 'string' ? 'http' : 'stdio';
  if (type !== 'stdio' || typeof entry.command !== 'string') return null;
  const args = Array.isArray(entry.args) ? entry.args.map(String) : [];
  return inputsKey(`mcp ${name}`, [entry.command, ...args], o, { ...stringEnv(o.env), ...stringEnv(entry.env as NodeJS.ProcessEnv | undefined) });
}

/** What a check ran, with the identity (device, inode, size, mtime, ctime) of its command and of every arg that names a file; null without a memo. */
function inputsKey(name: string, argv: readonly string[], o: HealthCheckOptions, env: Record<string, string> = stringEnv(o.env)) {
  if (!o.memo) return null;
  const files = argv.map((a, i) => fileIdentity(i === 0 ? resolveCommand(a, env.PATH) : path.resolve(o.cwd, a)));
  return { memo: o.memo, key: JSON.stringify([name, argv, env, o.cwd, files]) };
}

function resolveCommand(cmd: string, PATH: string | undefined): string {
  if (cmd.includes('/')) return cmd;
  for (const dir of (PATH ?? '').split(':')) if (dir && fileIdentity(path.join(dir, cmd))) return path.join(dir, cmd);
  return cmd;
}

function fileIdentity(file: string): string | null {
  try {
    const st = statSync(file);
    return st.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : null;
  } catch {
    return null;
  }
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 300) || 'failed';

function readServers(file: string): { ok: Record<string, Record<string, unknown>> } | { error: string } {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { mcpServers?: Record<string, Record<string, unknown>> };
    return { ok: j.mcpServers ?? {} };
  } catch (e) {
    return { error: `cannot read ${file}: ${(e as Error).message}` };
  }
}

async function claudeRuns(o: HealthCheckOptions): Promise<string> {
  const [cmd, ...args] = o.claudeCommand;
  if (!cmd) throw new Error('no claude command configured');
  // Loaded here: an idle harness never pays for execa.
  const { execa } = await import('execa');
  const r = await execa(cmd, [...args, '--version'], { env: o.env, extendEnv: false, cwd: o.cwd, timeout: o.timeoutMs, reject: false, stdin: 'ignore' });
  if (r.failed) throw new Error(r.timedOut ? `\`${cmd} --version\` did not answer within ${o.timeoutMs} ms` : `\`${cmd} --version\` failed: ${r.stderr || r.shortMessage}`);
  return r.stdout.trim().split('\n')[0]!;
}

/** MCP `initialize` through the SDK's client (loaded here only: idle harnesses never pay for it). */
async function mcpInitializes(entry: Record<string, unknown>, o: HealthCheckOptions): Promise<string | undefined> {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const client = new Client({ name: 'hyperhive-health', version: '1' });
  const transport = await transportFor(entry, o);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to initialize within ${o.timeoutMs} ms`)), o.timeoutMs);
  });
  try {
    await Promise.race([client.connect(transport), timeout]);
    const v = client.getServerVersion();
    return v ? `${v.name} ${v.version}` : undefined;
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}

async function transportFor(entry: Record<string, unknown>, o: HealthCheckOptions) {
  const type = typeof entry.type === 'string' ? entry.type : typeof entry.url === 'string' ? 'http' : 'stdio';
  if (type === 'stdio') {
    if (typeof entry.command !== 'string' || !entry.command) throw new Error('stdio server without a command');
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const env = { ...stringEnv(o.env), ...stringEnv(entry.env as NodeJS.ProcessEnv | undefined) };
    const args = Array.isArray(entry.args) ? entry.args.map(String) : [];
    return new StdioClientTransport({ command: entry.command, args, env, cwd: o.cwd, stderr: 'ignore' });
  }
  if (typeof entry.url !== 'string') throw new Error(`${type} server without a url`);
  const url = new URL(entry.url);
  const headers = entry.headers && typeof entry.headers === 'object' ? (entry.headers as Record<string, string>) : undefined;
  if (type === 'sse') {
    const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
    return new SSEClientTransport(url, { requestInit: { headers } });
  }
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  return new StreamableHTTPClientTransport(url, { requestInit: { headers } });
}

function stringEnv(env: NodeJS.ProcessEnv | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}
