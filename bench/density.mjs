// Item 8 (issue 15): N real harnesses (what `hive up` runs: this repo's harness, under bwrap when
// installed) started by one daemon; their private memory and PSS idle, and the time until all answer.
// Item 9: one broadcast to 50 of them with real claude turns against a scripted API, HIVE_MAX_TURNS
// bounding how many run at once; the hive's peak memory and the most claude processes seen at once.
import { readFile, readdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { REPO, log, median, now, pkg, request, run, sleep } from './lib/util.mjs';
import { startDaemon } from './lib/daemon.mjs';
import { insertAgents, openStore, pickNames, seedApplied } from './lib/seed.mjs';
import { REAL_HARNESS } from './pipeline.mjs';

const testkit = await pkg('packages/testkit/dist/index.js');

/** Every descendant of `pid` (children first-level down), from /proc/<pid>/task/<tid>/children. */
async function descendants(pid) {
  const out = [];
  const visit = async (p) => {
    let tasks = [];
    try {
      tasks = await readdir(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      const text = await readFile(`/proc/${p}/task/${t}/children`, 'utf8').catch(() => '');
      for (const c of text.trim().split(/\s+/).filter(Boolean)) {
        out.push(Number(c));
        await visit(Number(c));
      }
    }
  };
  await visit(pid);
  return out;
}

/** What a process is, from its argv: the harness, its MCP server, claude, bwrap, or other. */
async function kindOf(pid) {
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  const s = argv.join(' ');
  // bwrap first: its argv names the command it runs.
  if (/(^|\/)bwrap$/.test(argv[0] ?? '')) return 'bwrap';
  if (s.includes('agent-harness/dist/main.js')) return 'harness';
  if (s.includes('agent-harness/dist/mcp.js')) return 'mcp';
  if (/claude/.test(path.basename(argv[0] ?? ''))) return 'claude';
  return 'other';
}

/** Private_Dirty, Private_Clean and Pss of one process in bytes (smaps_rollup); null when it is gone. */
async function rollup(pid) {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => null);
  if (!text) return null;
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { privateDirty: kb('Private_Dirty'), privateClean: kb('Private_Clean'), pss: kb('Pss'), rss: kb('Rss') };
}

/** The daemon's process tree, summed per kind. */
async function treeMemory(daemonPid) {
  const pids = [daemonPid, ...(await descendants(daemonPid))];
  const by = {};
  for (const pid of pids) {
    const kind = pid === daemonPid ? 'daemon' : await kindOf(pid);
    const m = await rollup(pid);
    if (!m) continue;
    const k = (by[kind] ??= { count: 0, privateDirty: 0, privateClean: 0, pss: 0, rss: 0, each: [] });
    k.count++;
    for (const f of ['privateDirty', 'privateClean', 'pss', 'rss']) k[f] += m[f];
    k.each.push(m);
  }
  const total = Object.values(by).reduce((a, k) => ({ pss: a.pss + k.pss, privateDirty: a.privateDirty + k.privateDirty }), { pss: 0, privateDirty: 0 });
  return { by, total };
}

const health = (port) =>
  new Promise((resolve) => {
    const q = http.get({ host: '127.0.0.1', port, path: '/api/health', timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    q.on('error', () => resolve(false));
    q.on('timeout', () => q.destroy());
  });

/** The floor of one start: the real harness spawned alone (no daemon, no sandbox) until /api/health answers. */
async function bareHarnessBoot(root, port, reps = 5) {
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t = now();
    const child = spawn(REAL_HARNESS[0], REAL_HARNESS.slice(1), {
      env: { PATH: process.env.PATH, HIVE_NAME: 'probe', HIVE_PORT: String(port), HIVE_TOKEN: 'bench', HIVE_STATE: path.join(root, `probe-${i}`), LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    const closed = new Promise((r) => child.on('close', r));
    while (!(await health(port))) await sleep(2);
    ms.push(now() - t);
    child.kill('SIGTERM');
    await closed;
  }
  return median(ms);
}

/** Starts a daemon over `names` (rows + applied repos) with the real harness; resolves when every harness answers. */
async function startHive(root, stateDir, names, portOptions, env) {
  const t0 = now();
  const d = await startDaemon({
    stateDir,
    env: {
      HIVE_SANDBOX: 'auto',
      HIVE_SPAWN_MANAGER: '0',
      HIVE_MANAGER_NAME: portOptions.managerName,
      HIVE_MANAGER_PORT: String(portOptions.managerPort),
      HIVE_AGENT_PORT_BASE: String(portOptions.base),
      HIVE_AGENT_PORT_RANGE: String(portOptions.range),
      ...env,
    },
    timeoutMs: 1_800_000,
  });
  const agents = (await request(`${d.url}/api/state`)).body.agents;
  const pending = new Set(agents.map((a) => a.port));
  // A harness that has not answered by then is reported as such (answered < agents), not waited for.
  const deadline = now() + 240_000;
  while (pending.size && now() < deadline) {
    for (const port of [...pending]) if (await health(port)) pending.delete(port);
    if (pending.size) await sleep(200);
  }
  return { d, agents, answered: agents.length - pending.size, allMs: now() - t0, upMs: d.upMs };
}

/** Items 8 and 9 on their own state dir (seeded here), `agents` real harnesses. */
export async function benchDensity(root, { agents = 200, broadcast = 50, maxTurns = 4, idleS = 20, portBase }) {
  const portOptions = { managerName: 'hm1nd', managerPort: portBase, base: portBase + 100, range: 900 };
  const stateDir = path.join(root, 'state');
  const names = await pickNames({ count: agents, unique: agents, portOptions });
  log(`item 8: seeding ${agents} applied repos for real harnesses`);
  await seedApplied(path.join(stateDir, 'applied'), names);
  const store = await openStore(stateDir);
  insertAgents(store, names);
  store.close();
  const api = await testkit.startScriptedApi({ rules: [{ lastUserText: 'BROADCAST', reply: { text: 'ack' } }] });
  const env = {
    HIVE_MAX_TURNS: String(maxTurns),
    ANTHROPIC_BASE_URL: api.url,
    ANTHROPIC_API_KEY: 'sk-ant-scripted',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_MAX_RETRIES: '0',
  };
  const bwrap = (await run('sh', ['-c', 'command -v bwrap'], { allowFail: true })).code === 0;
  try {
    // First start builds every agent (no runtime records yet); the line is the restart, as after 200 spawns.
    log(`item 8: first start of ${agents} real harnesses (builds each)`);
    const first = await startHive(root, stateDir, names, portOptions, env);
    await first.d.stop();
    log(`item 8: first start ${(first.allMs / 1000).toFixed(1)} s; restarting over the same ${agents}`);
    const h = await startHive(root, stateDir, names, portOptions, env);
    try {
      log(`item 8: ${h.answered}/${agents} answer after ${(h.allMs / 1000).toFixed(1)} s; ${idleS} s idle before sampling`);
      await sleep(idleS * 1000);
      const idle = await treeMemory(h.d.pid);
      const harness = idle.by.harness ?? { count: 0, privateDirty: 0, pss: 0, each: [] };
      log(`item 8: ${harness.count} harnesses, Private_Dirty ${(harness.privateDirty / 2 ** 20).toFixed(0)} MiB total (${(harness.privateDirty / harness.count / 2 ** 20).toFixed(1)} MiB each), PSS ${(harness.pss / 2 ** 20).toFixed(0)} MiB`);

      // Item 9: one message to each of `broadcast` agents from the manager, as its send_message tool does.
      const targets = h.agents.filter((a) => a.name !== portOptions.managerName).slice(0, broadcast).map((a) => a.name);
      const token = (await readFile(path.join(stateDir, 'state', portOptions.managerName, 'token'), 'utf8')).trim();
      log(`item 9: broadcast to ${targets.length} agents, HIVE_MAX_TURNS=${maxTurns}`);
      let peak = idle.total.pss;
      let peakDirty = idle.total.privateDirty;
      let maxClaude = 0;
      let claudePeakEach = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const m = await treeMemory(h.d.pid);
          peak = Math.max(peak, m.total.pss);
          peakDirty = Math.max(peakDirty, m.total.privateDirty);
          maxClaude = Math.max(maxClaude, m.by.claude?.count ?? 0);
          for (const e of m.by.claude?.each ?? []) claudePeakEach = Math.max(claudePeakEach, e.pss);
          await sleep(250);
        }
      })();
      const t0 = now();
      await Promise.all(targets.map((to) => request(`${h.d.url}/api/agent/send_message`, { method: 'POST', body: { to, text: `BROADCAST ${to}` }, token })));
      const deadline = now() + 900_000;
      let done = 0;
      while (now() < deadline) {
        const st = (await request(`${h.d.url}/api/state`)).body.agents;
        done = st.filter((a) => targets.includes(a.name) && a.usage.turns >= 1 && a.activity === 'idle').length;
        if (done === targets.length) break;
        await sleep(500);
      }
      const broadcastMs = now() - t0;
      sampling = false;
      await sampler;
      log(`item 9: ${done}/${targets.length} turns done in ${(broadcastMs / 1000).toFixed(1)} s; peak PSS ${(peak / 2 ** 20).toFixed(0)} MiB (idle ${(idle.total.pss / 2 ** 20).toFixed(0)} MiB), at most ${maxClaude} claude at once`);
      const boot = await bareHarnessBoot(root, portOptions.managerPort + 99);
      return {
        agents,
        bwrap,
        answered: h.answered,
        allMs: h.allMs,
        upMs: h.upMs,
        firstMs: first.allMs,
        firstAnswered: first.answered,
        boot,
        idleS,
        idle: summarize(idle),
        broadcast: { targets: targets.length, done, ms: broadcastMs, maxTurns, peakPss: peak, peakPrivateDirty: peakDirty, idlePss: idle.total.pss, maxClaude, claudePeakEach },
      };
    } finally {
      await h.d.stop();
    }
  } finally {
    await api.close();
  }
}

function summarize(tree) {
  const by = Object.fromEntries(Object.entries(tree.by).map(([k, v]) => [k, { count: v.count, privateDirty: v.privateDirty, privateClean: v.privateClean, pss: v.pss, rss: v.rss, medianPrivateDirty: median(v.each.map((e) => e.privateDirty)), medianPss: median(v.each.map((e) => e.pss)) }]));
  return { by, total: tree.total };
}
