#!/usr/bin/env node
// A stand-in for apps/agent-harness with no dependencies: enough HTTP for runtime
// tests, benchmarks and daemon tests: GET /api/health (the readiness probe), GET /api/state, GET /env[?name=X], GET /read?path=,
// POST /try-write?path= (answers {ok, error}), POST /crash (exits with code 3), POST /hog?mb= (holds that much memory), POST /api/health-check (the
// deploy gate's contract: {ok, checks}; a stdio MCP server in HIVE_MCP_SERVERS whose command does not exist fails it,
// where the real harness would also run claude --version and MCP initialize).
import http from 'node:http';
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

const env = process.env;
const port = Number(env.HIVE_PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error(`mini-harness: HIVE_PORT must be a port number, got ${JSON.stringify(env.HIVE_PORT)}`);
  process.exit(2);
}
const name = env.HIVE_NAME ?? 'unknown';
let model = env.HIVE_MODEL || 'default';
// The reload contract of the real harness (settings-reload.ts): on SIGUSR2, HIVE_RELOAD_DIR/settings.json
// {generation, env} is applied in place and its generation reported on /api/health (the key's presence
// says the harness takes reloads; MINI_HARNESS_NO_RELOAD plays one that does not).
let settings = null;
const reloads = Boolean(env.HIVE_RELOAD_DIR && !env.MINI_HARNESS_NO_RELOAD);
if (reloads) {
  process.on('SIGUSR2', () => {
    try {
      const r = JSON.parse(readFileSync(path.join(env.HIVE_RELOAD_DIR, 'settings.json'), 'utf8'));
      if (typeof r.generation !== 'string' || r.generation === settings) return;
      for (const k of Object.keys(env)) if (k.startsWith('HIVE_') && !(k in r.env)) delete env[k];
      Object.assign(env, r.env);
      model = env.HIVE_MODEL || 'default';
      settings = r.generation;
    } catch {
      // no drop yet
    }
  });
}
const boot = randomUUID();

function state() {
  return {
    name,
    label: env.HIVE_LABEL ?? name,
    model,
    default_model: model,
    busy: false,
    is_manager: Boolean(env.HIVE_AGENTS_DIR),
    port,
    queue: 0,
    pid: process.pid,
    // pid is namespace-local under bwrap; this tells two processes apart anywhere.
    boot,
  };
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The MCP servers' commands must be runnable: absolute, or found on PATH. */
function healthChecks() {
  let servers = {};
  try {
    servers = JSON.parse(env.HIVE_MCP_SERVERS || '{}');
  } catch {
    return [{ name: 'mcp-config', ok: false, detail: 'HIVE_MCP_SERVERS is not JSON' }];
  }
  return Object.entries(servers).map(([n, s]) => {
    const cmd = typeof s?.command === 'string' ? s.command : null;
    if (!cmd) return { name: `mcp ${n}`, ok: true };
    const dirs = cmd.includes('/') ? [''] : (env.PATH ?? '').split(':');
    const found = dirs.some((d) => {
      try {
        accessSync(d ? path.join(d, cmd) : cmd, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
    return found ? { name: `mcp ${n}`, ok: true } : { name: `mcp ${n}`, ok: false, detail: `spawn ${cmd} ENOENT` };
  });
}

const hogged = [];

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/api/health') return send(res, 200, reloads ? { ok: true, name, settings } : { ok: true, name });
  if (req.method === 'GET' && url.pathname === '/api/state') return send(res, 200, state());
  if (req.method === 'POST' && url.pathname === '/api/health-check') {
    const checks = [{ name: 'claude', ok: true, detail: 'mini-harness' }, ...healthChecks()];
    return send(res, 200, { ok: checks.every((c) => c.ok), checks });
  }
  if (req.method === 'GET' && url.pathname === '/env') {
    // HIVE_* always; other variables only when asked for by `?name=`.
    const asked = new Set(url.searchParams.getAll('name'));
    return send(res, 200, Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('HIVE_') || asked.has(k))));
  }
  if (req.method === 'POST' && url.pathname === '/try-write') {
    const target = url.searchParams.get('path') ?? '';
    try {
      writeFileSync(target, `written by ${name}\n`);
      return send(res, 200, { ok: true, error: null });
    } catch (e) {
      return send(res, 200, { ok: false, error: e.code ?? String(e.message) });
    }
  }
  if (req.method === 'GET' && url.pathname === '/read') {
    try {
      return send(res, 200, { ok: true, text: readFileSync(url.searchParams.get('path') ?? '', 'utf8'), error: null });
    } catch (e) {
      return send(res, 200, { ok: false, text: null, error: e.code ?? String(e.message) });
    }
  }
  if (req.method === 'POST' && url.pathname === '/hog') {
    // Touches ?mb= MiB of memory and keeps it (the memory limit tests): every page written, so it is charged.
    const mb = Number(url.searchParams.get('mb') ?? 0);
    for (let i = 0; i < mb; i++) hogged.push(Buffer.alloc(1024 * 1024, 1));
    return send(res, 200, { ok: true, mb: hogged.length });
  }
  if (req.method === 'POST' && url.pathname === '/crash') {
    send(res, 200, { ok: true });
    console.error('mini-harness: crashing on request');
    setTimeout(() => process.exit(3), 20);
    return;
  }
  send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
});

server.listen(port, '127.0.0.1', () => console.log(`mini-harness ${name} listening on 127.0.0.1:${port}`));
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    console.log(`mini-harness ${name}: ${sig}, exiting`);
    server.close();
    process.exit(0);
  });
}
