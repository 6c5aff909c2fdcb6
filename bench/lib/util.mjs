// Small helpers shared by the benchmark modules: timing, stats, processes, HTTP, ports.
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A workspace package's built entry, imported by path (the bench is not a workspace package). */
export const pkg = (rel) => import(path.join(REPO, rel));

/** CommonJS deps of the daemon (ws, better-sqlite3), resolved from apps/daemon's node_modules. */
export const daemonRequire = createRequire(path.join(REPO, 'apps/daemon/package.json'));

export const now = () => performance.now();

export async function timed(fn) {
  const t = now();
  const value = await fn();
  return { ms: now() - t, value };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile. */
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Runs a program (argument array, no shell); resolves with its exit code, output and wall time. */
export function run(cmd, args, o = {}) {
  return new Promise((resolve, reject) => {
    const t = now();
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const r = { code, stdout, stderr, ms: now() - t };
      if (code !== 0 && !o.allowFail) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-5).join('\n')}`));
      else resolve(r);
    });
    if (o.input !== undefined) {
      child.stdin.on('error', () => {}); // a program may exit without reading its input
      child.stdin.end(o.input);
    }
  });
}

// The benchmark's own git commits use a fixed identity and never the machine's config.
export const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'hive-bench',
  GIT_AUTHOR_EMAIL: 'bench@hyperhive.invalid',
  GIT_COMMITTER_NAME: 'hive-bench',
  GIT_COMMITTER_EMAIL: 'bench@hyperhive.invalid',
};

export const git = (cwd, args, o = {}) => run('git', args, { cwd, env: GIT_ENV, ...o }).then((r) => r.stdout.trim());

/** The nix flags @hive/core's runNix adds, so raw calls pay exactly what the libraries pay. */
export async function nixFlags() {
  const { flakeRegistryFile } = await pkg('packages/core/dist/index.js');
  return ['--extra-experimental-features', 'nix-command flakes', '--option', 'flake-registry', flakeRegistryFile()];
}
export const NIX_ENV = { ...process.env, NIX_CONFIG: process.env.NIX_CONFIG ?? '' };

/** Whether 127.0.0.1:port can be bound right now. */
export function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** One HTTP request with a keep-alive agent; resolves {status, body, bytes, ms}; JSON bodies parsed. */
/** Every bench daemon runs with this operator token (HIVE_OPERATOR_TOKEN), so requests carry it. */
export const BENCH_OPERATOR_TOKEN = 'bench-operator-token-0123456789abcdef';

export function request(url, o = {}) {
  return new Promise((resolve, reject) => {
    const body = o.body === undefined ? undefined : JSON.stringify(o.body);
    const headers = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    // Operator routes need the operator token (loopback included); agent calls pass their own.
    const token = o.token ?? BENCH_OPERATOR_TOKEN;
    headers.authorization = `Bearer ${token}`;
    const t = now();
    const req = http.request(url, { method: o.method ?? 'GET', headers, agent, timeout: o.timeoutMs ?? 600_000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const ms = now() - t;
        const buf = Buffer.concat(chunks);
        let parsed = buf.toString('utf8');
        try {
          parsed = JSON.parse(parsed);
        } catch {
          /* not JSON */
        }
        if (res.statusCode >= 400 && !o.allowFail) return reject(new Error(`${o.method ?? 'GET'} ${url} → ${res.statusCode}: ${JSON.stringify(parsed).slice(0, 300)}`));
        resolve({ status: res.statusCode, body: parsed, bytes: buf.length, ms });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` over `items` with at most `n` in flight. */
export async function pool(items, n, fn) {
  let i = 0;
  const worker = async () => {
    while (i < items.length) {
      const k = i++;
      await fn(items[k], k);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

export const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);
export const fmtRatio = (r) => `${r.toFixed(2)}×`;

export function log(msg) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/**
 * Runs `fn` with git, nix and nix-instantiate shimmed on PATH to log each call and who made it
 * (the parent's command name); resolves with fn's value and the calls. Profiling only: the
 * shim's own fork costs time, so nothing timed runs under it.
 */
export async function traceProcesses(dir, fn) {
  const { mkdirSync, writeFileSync, readFileSync } = await import('node:fs');
  const logFile = path.join(dir, 'calls.log');
  mkdirSync(dir, { recursive: true });
  for (const tool of ['git', 'nix', 'nix-instantiate']) {
    const real = (await run('sh', ['-c', `command -v ${tool}`])).stdout.trim();
    writeFileSync(path.join(dir, tool), `#!/bin/sh\nprintf '%s\\t%s\\t%s\\n' "$(cat /proc/$PPID/comm)" ${tool} "$*" >> ${logFile}\nexec ${real} "$@"\n`, { mode: 0o755 });
  }
  writeFileSync(logFile, '');
  const oldPath = process.env.PATH;
  process.env.PATH = `${dir}:${oldPath}`;
  try {
    const value = await fn({ ...process.env });
    const calls = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [parent, tool, args] = l.split('\t');
        return { parent, tool, args };
      });
    return { value, calls };
  } finally {
    process.env.PATH = oldPath;
  }
}

/** Mean wall time of spawning `git rev-parse HEAD` from bash, from node's child_process, and through execa. */
export async function spawnCosts(cwd, n = 30) {
  const { execa } = await import(path.join(REPO, 'packages/gitops/node_modules/execa/index.js'));
  const mean = async (fn) => {
    await fn();
    const t = now();
    for (let i = 0; i < n; i++) await fn();
    return (now() - t) / n;
  };
  const bash = await run('bash', ['-c', `s=$EPOCHREALTIME; for i in $(seq ${n}); do git rev-parse HEAD >/dev/null; done; echo $s $EPOCHREALTIME`], { cwd });
  const [s, e] = bash.stdout.trim().split(' ').map(Number);
  return {
    bash: ((e - s) * 1000) / n,
    spawn: await mean(() => run('git', ['rev-parse', 'HEAD'], { cwd })),
    execa: await mean(() => execa('git', ['rev-parse', 'HEAD'], { cwd })),
  };
}
