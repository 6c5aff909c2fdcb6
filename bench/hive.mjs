// Items 6 and 4 on one seeded state dir: daemon RSS with 200 running agents, then
// GET /api/state latency with 500 agents' rows and 5,000 approvals.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO, daemonRequire, log, median, percentile, pkg, request, run, sleep } from './lib/util.mjs';
import { memoryOf, startDaemon } from './lib/daemon.mjs';
import { insertAgents, insertApprovals, openStore, seedApplied } from './lib/seed.mjs';
import { inclusiveTimes } from './lib/cpuprofile.mjs';

const testing = await pkg('packages/containers/dist/testing.js');

function daemonEnv(hive, harness) {
  return {
    HIVE_HARNESS_CMD: JSON.stringify(harness),
    HIVE_SANDBOX: 'none',
    HIVE_SPAWN_MANAGER: '0',
    HIVE_MANAGER_NAME: hive.portOptions.managerName,
    HIVE_MANAGER_PORT: String(hive.portOptions.managerPort),
    HIVE_AGENT_PORT_BASE: String(hive.portOptions.base),
    HIVE_AGENT_PORT_RANGE: String(hive.portOptions.range),
  };
}

/** RSS right after start-up and after `idleS` seconds idle (V8's memory reducer shrinks the heap once allocation stops). */
async function sampleMemory(d, idleS) {
  for (let i = 0; i < 20; i++) await request(`${d.url}/api/state`);
  const first = await memoryOf(d.pid);
  const samples = [];
  for (let i = 0; i < idleS; i++) {
    await sleep(1000);
    samples.push(await memoryOf(d.pid));
  }
  const rollup = await readFile(`/proc/${d.pid}/smaps_rollup`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0) * 1024;
  return {
    afterStart: first.rss,
    idle: median(samples.slice(-5).map((x) => x.rss)),
    hwm: Math.max(...samples.map((x) => x.hwm)),
    fileBacked: kb('Shared_Clean') + kb('Private_Clean'),
    anonymous: kb('Anonymous'),
  };
}

/** VmRSS of a bare `node` doing nothing: the floor under any Node daemon. */
async function bareNodeRss() {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
  await sleep(1500);
  const m = await memoryOf(child.pid);
  child.kill();
  return m.rss;
}

const IMPORT_PROBE = `import fs from 'node:fs';
const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
await import('node:os');
await new Promise((r) => setTimeout(r, 200));
const before = rss();
await import(process.argv[1]);
await new Promise((r) => setTimeout(r, 300));
console.log(rss() - before);`;

/** VmRSS a fresh node gains by importing each module (resolved from apps/daemon): what the daemon's code weighs. */
async function importCosts(specs) {
  const out = {};
  for (const spec of specs) {
    const r = await run(process.execPath, ['--input-type=module', '-e', IMPORT_PROBE, spec], { cwd: path.join(REPO, 'apps/daemon') });
    out[spec] = Number(r.stdout.trim());
  }
  return out;
}

/** Item 6: 200 agents (rows + applied repos + synced meta) started by the daemon, each a mini-harness process. */
export async function benchRss(hive, { idleS = 25 } = {}) {
  const bare = await bareNodeRss();
  const imports = await importCosts(['./dist/server.js', 'execa', 'zod', 'ws', '@hono/node-server', 'pino', 'better-sqlite3', 'hono']);
  log('item 6: an empty daemon first (no agents), for its baseline RSS');
  const empty = await startDaemon({ stateDir: path.join(hive.root, 'empty'), env: daemonEnv(hive, [process.execPath, testing.miniHarnessPath]) });
  let baseline;
  try {
    baseline = await sampleMemory(empty, idleS);
  } finally {
    await empty.stop();
  }
  const store = await openStore(hive.stateDir);
  insertAgents(store, hive.names200);
  store.close();
  const env = daemonEnv(hive, [process.execPath, testing.miniHarnessPath]);

  // First start over the seeded state: no runtime records yet, so it builds every agent before
  // starting it (the work 200 spawns would have done one by one). A preload reports the V8 heap.
  log('item 6: first start over 200 seeded agents (builds and starts each; a mini-harness process per agent)');
  const dump = path.join(hive.root, 'memdump.json');
  const preload = path.join(path.dirname(new URL(import.meta.url).pathname), 'lib', 'memdump.cjs');
  const d1 = await startDaemon({ stateDir: hive.stateDir, port: hive.dashboardPort, env: { ...env, NODE_OPTIONS: `--require ${preload}`, BENCH_MEMDUMP: dump } });
  let first;
  try {
    first = await sampleMemory(d1, idleS);
    process.kill(d1.pid, 'SIGUSR2');
    await sleep(500);
    first.heap = JSON.parse(await readFile(dump, 'utf8'));
    first.upMs = d1.upMs;
  } finally {
    await d1.stop();
  }

  // A restart, the normal case: the agents have their records, the daemon starts them.
  log('item 6: restart over the same 200 agents');
  const d = await startDaemon({ stateDir: hive.stateDir, port: hive.dashboardPort, env });
  try {
    const state = (await request(`${d.url}/api/state`)).body;
    const running = state.agents.filter((a) => a.status === 'running').length;
    const mem = await sampleMemory(d, idleS);
    log(`item 6: ${running}/200 running after ${(d.upMs / 1000).toFixed(1)} s; daemon VmRSS ${(mem.idle / 2 ** 20).toFixed(1)} MiB idle (first start: ${(first.idle / 2 ** 20).toFixed(1)} MiB idle, peak ${(first.hwm / 2 ** 20).toFixed(1)} MiB); empty daemon ${(baseline.idle / 2 ** 20).toFixed(1)} MiB`);
    return { agents: state.agents.length, running, upMs: d.upMs, rss: mem.idle, ...mem, first, baseline, bare, imports, idleSamples: idleS };
  } finally {
    await d.stop();
  }
}

/**
 * Item 4: 300 more agents and 5,000 approvals inserted while the daemon is stopped. The 500 agents
 * are started on daemon start, so the harness command is `true`: each start fails fast (the agent
 * is recorded crashed) instead of 500 processes competing with the measurement.
 */
export async function benchState(hive, { warmup = 50, requests = 500 } = {}) {
  log('item 4: seeding 300 more applied repos, 500 agent rows and 5,000 approvals');
  await seedApplied(hive.appliedRoot, hive.names500.slice(200));
  const store = await openStore(hive.stateDir);
  insertAgents(store, hive.names500);
  insertApprovals(store, hive.names500, 5000);
  store.close();
  const trueBin = ['/usr/bin/true', '/bin/true'].find((p) => existsSync(p)) ?? process.execPath;
  const env = daemonEnv(hive, [trueBin]);
  const d = await startDaemon({ stateDir: hive.stateDir, port: hive.dashboardPort, env });
  let out;
  try {
    const url = `${d.url}/api/state`;
    const load = (await import('node:os')).loadavg()[0];
    const first = await request(url);
    if (first.body.agents.length !== 500) throw new Error(`expected 500 agents in /api/state, got ${first.body.agents.length}`);
    for (let i = 0; i < warmup; i++) await request(url);
    const ms = [];
    let bytes = 0;
    for (let i = 0; i < requests; i++) {
      const r = await request(url);
      ms.push(r.ms);
      bytes = r.bytes;
    }
    out = { requests, p50: percentile(ms, 50), p90: percentile(ms, 90), p99: percentile(ms, 99), max: Math.max(...ms), bytes, upMs: d.upMs, approvals: first.body.approvals.length, conflicts: first.body.port_conflicts.length, load };
    log(`item 4: p50 ${out.p50.toFixed(2)} ms p99 ${out.p99.toFixed(2)} ms (${(bytes / 1024).toFixed(0)} KiB, daemon up in ${(d.upMs / 1000).toFixed(1)} s)`);
    // The daemon keeps the answer until the database changes: the same requests again, each right
    // after a write (from another connection, untimed), so every one builds the state afresh.
    const Database = daemonRequire('better-sqlite3');
    const db = new Database(path.join(hive.stateDir, 'hive.db'));
    const touch = db.prepare('UPDATE agents SET updated_at = ? WHERE name = ?');
    const missMs = [];
    try {
      for (let i = 0; i < requests; i++) {
        touch.run(new Date().toISOString(), hive.names500[i % hive.names500.length]);
        missMs.push((await request(url)).ms);
      }
    } finally {
      db.close();
    }
    out.miss = { p50: percentile(missMs, 50), p90: percentile(missMs, 90), p99: percentile(missMs, 99), max: Math.max(...missMs) };
    log(`item 4: after a change each: p50 ${out.miss.p50.toFixed(2)} ms p99 ${out.miss.p99.toFixed(2)} ms`);
  } finally {
    await d.stop();
  }
  out.profile = await profileState(hive, env, Math.min(requests, 300));
  return out;
}

/** A second, profiled pass (node --cpu-prof), never the timed one: where one GET /api/state spends its time. */
async function profileState(hive, env, requests) {
  const dir = path.join(hive.root, 'cpuprofile');
  const d = await startDaemon({ stateDir: hive.stateDir, port: hive.dashboardPort, env, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  // Each request after a write, as the miss line above: the profile is of building the state, not of a kept one.
  const Database = daemonRequire('better-sqlite3');
  const db = new Database(path.join(hive.stateDir, 'hive.db'));
  const touch = db.prepare('UPDATE agents SET updated_at = ? WHERE name = ?');
  try {
    for (let i = 0; i < requests; i++) {
      touch.run(new Date().toISOString(), hive.names500[i % hive.names500.length]);
      await request(`${d.url}/api/state`);
    }
  } finally {
    db.close();
    await d.stop();
  }
  const t = await inclusiveTimes(dir, {
    state: ['buildState', 'daemon/dist/core/hive.js'],
    listAgents: ['listAgents', 'daemon/dist/store.js'],
    listApprovals: ['listApprovals', 'daemon/dist/store.js'],
    agentWebPort: ['agentWebPort', 'ports/dist/port.js'],
    findPortConflicts: ['findPortConflicts', 'ports/dist/conflicts.js'],
    json: ['stateJson', 'daemon/dist/core/hive.js'],
    encode: ['encode', 'node:internal/encoding'],
    writev: ['writev', ''],
    gc: ['(garbage collector)', ''],
  });
  return { requests, perRequest: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v / requests])) };
}
