// Item 3: the approval pipeline through a real daemon's HTTP API vs bench/raw-pipeline.sh,
// with an in-process library replay and a harness-restart probe to say where the difference goes.
// Item 5: one event fanned out to 50 WebSocket clients of the same daemon.
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { BENCH_OPERATOR_TOKEN, REPO, daemonRequire, log, median, now, pkg, request, run, sleep, spawnCosts, timed, traceProcesses } from './lib/util.mjs';
import { startDaemon } from './lib/daemon.mjs';
import { metaflake } from './lib/seed.mjs';

const gitops = await pkg('packages/gitops/dist/index.js');
const containers = await pkg('packages/containers/dist/index.js');
const testing = await pkg('packages/containers/dist/testing.js');
const core = await pkg('packages/core/dist/index.js');

const RAW_SCRIPT = path.join(REPO, 'bench/raw-pipeline.sh');
const AGENT = 'coder';

/** A new commit in a proposed repo: agent.nix gains a comment, a notes file appears. */
export async function propose(proposedDir, tag) {
  await appendFile(path.join(proposedDir, 'agent.nix'), `# ${tag}\n`);
  await appendFile(path.join(proposedDir, `notes-${tag}.md`), `${tag}\n`);
  return gitops.commitAll(proposedDir, `bench: ${tag}`);
}

/** The same two-agent layout the daemon builds (manager + coder), made with the libraries, for the raw script. */
export async function rawState(dir, portOptions, dashboardPort) {
  const layout = core.stateLayout(dir);
  for (const name of [portOptions.managerName, AGENT]) {
    await gitops.setupProposed({ dir: layout.proposed(name), name });
    await gitops.setupApplied({ dir: layout.applied(name), proposedDir: layout.proposed(name) });
  }
  const { url } = await metaflake.seedLocalHyperhive(path.join(dir, 'hyperhive-local'));
  const meta = { metaDir: layout.metaDir, appliedRoot: layout.appliedRoot, hyperhiveUrl: url, dashboardPort };
  const agents = metaflake.agentsForMeta([portOptions.managerName, AGENT], undefined, { managerName: portOptions.managerName, ports: portOptions });
  await metaflake.syncAgents({ ...meta, agents });
  return { layout, meta };
}

/** The daemon's runApplyCommit, step by step, straight on the libraries: where the library time goes. */
export async function libraryPipeline({ layout, meta }, sha, id, { reread = true } = {}) {
  const applied = layout.applied(AGENT);
  const steps = {};
  const step = async (k, fn) => {
    const t = await timed(fn);
    steps[k] = t.ms;
    return t.value;
  };
  const t0 = now();
  await step('fetch', () => gitops.fetchToTag({ repo: applied, from: layout.proposed(AGENT), sha, tag: gitops.proposalTag(id) }));
  await step('stamp', () => gitops.stampApproved(applied, id));
  await step('read-tree', () => gitops.readTreeReset(applied, `refs/tags/${gitops.proposalTag(id)}`));
  await step('prepare', () => metaflake.prepareDeploy(meta, { name: AGENT, sha }));
  await step('build', () => containers.checkBuild(applied));
  await step('deployed-tag', () => gitops.plantDeployed(applied, id));
  await step('main-ff', async () => gitops.updateRef(applied, 'refs/heads/main', sha, await gitops.revParse(applied, 'refs/heads/main')));
  await step('finalize', () => metaflake.finalizeDeploy(meta, { name: AGENT, id, sha }));
  const total = now() - t0;
  // After a deploy the daemon reads agent.nix's settings once more for the model it records.
  if (reread) await step('settings-reread', () => containers.readHiveSettings(applied));
  return { total, steps };
}

async function rawPipeline({ layout }, sha, id) {
  const registry = core.flakeRegistryFile();
  const r = await run('bash', [RAW_SCRIPT, layout.proposed(AGENT), layout.applied(AGENT), layout.metaDir, AGENT, sha, String(id)], {
    env: { ...process.env, HIVE_NIX_REGISTRY: registry },
  });
  const steps = {};
  let prev = null;
  for (const line of r.stdout.trim().split('\n')) {
    const [k, at, t0] = line.split(' ');
    const t = Number(at) * 1000;
    steps[k] = t - (prev ?? Number(t0) * 1000);
    prev = t;
  }
  return { total: r.ms, steps };
}

const probe = (port) =>
  new Promise((resolve) => {
    const q = http.get({ host: '127.0.0.1', port, path: '/api/state' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    q.on('error', () => resolve(false));
  });

/** Spawn of the mini harness until it answers /api/state, polled every 2 ms: the floor of any restart. */
async function harnessBoot(port, reps) {
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t = now();
    const child = spawn(process.execPath, [testing.miniHarnessPath], { env: { ...process.env, HIVE_PORT: String(port) }, stdio: 'ignore' });
    const closed = new Promise((r) => child.on('close', r));
    while (!(await probe(port))) await sleep(2);
    ms.push(now() - t);
    child.kill('SIGTERM');
    await closed;
  }
  return median(ms);
}

/** What a harness restart costs the process runtime: update() (build + restart) minus the build alone. */
async function harnessRestart({ layout }, root, reps) {
  const runtime = new containers.ProcessRuntime({ stateRoot: path.join(root, 'rt'), harnessCommand: [process.execPath, testing.miniHarnessPath], sandbox: 'none' });
  const agent = {
    name: AGENT,
    port: await testing.freePort(),
    isManager: false,
    env: { HIVE_NAME: AGENT },
    flakeRef: `${layout.metaDir}#${AGENT}`,
    appliedDir: layout.applied(AGENT),
    stateDir: path.join(root, 'rt', 'state', AGENT),
  };
  await runtime.create(agent);
  await runtime.start(agent);
  const build = [];
  const update = [];
  try {
    for (let i = 0; i < reps; i++) {
      build.push((await timed(() => containers.checkBuild(agent.appliedDir))).ms);
      update.push((await timed(() => runtime.update(agent))).ms);
    }
  } finally {
    await runtime.shutdown();
  }
  const boot = await harnessBoot(agent.port, reps);
  return { build: median(build), update: median(update), restart: median(update) - median(build), boot };
}

/** Item 5: `clients` sockets on /api/events/ws; ask_operator as the manager; time until every socket has the event. */
async function fanOut(url, token, { clients = 50, reps = 7 } = {}) {
  const WebSocket = daemonRequire('ws');
  const wsUrl = url.replace(/^http/, 'ws') + '/api/events/ws';
  const sockets = await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${BENCH_OPERATOR_TOKEN}` } });
          ws.once('error', reject);
          ws.on('message', function hello(data) {
            if (JSON.parse(String(data)).kind === 'hello') {
              ws.off('message', hello);
              resolve(ws);
            }
          });
        }),
    ),
  );
  const all = [];
  const first = [];
  const post = [];
  try {
    for (let i = 0; i <= reps; i++) {
      const marker = `bench fan-out ${i} ${Date.now()}`;
      const got = sockets.map(
        (ws) =>
          new Promise((resolve) => {
            const on = (data) => {
              const f = JSON.parse(String(data));
              if (f.kind === 'event' && f.event.type === 'QuestionAsked' && f.event.data.question === marker) {
                ws.off('message', on);
                resolve(now());
              }
            };
            ws.on('message', on);
          }),
      );
      const t0 = now();
      const res = await request(`${url}/api/agent/ask_operator`, { method: 'POST', body: { question: marker }, token });
      const times = await Promise.all(got);
      if (i === 0) continue; // warm-up
      all.push(Math.max(...times) - t0);
      first.push(Math.min(...times) - t0);
      post.push(res.ms);
    }
  } finally {
    for (const ws of sockets) ws.terminate();
  }
  return { clients, reps, all: median(all), first: median(first), post: median(post), samples: all };
}

/** root: a scratch dir; ports: { manager, base } for this daemon's agents. */
export async function benchPipeline(root, { reps = 5, managerPort, agentPortBase }) {
  const stateDir = path.join(root, 'state');
  const portOptions = { managerName: 'hm1nd', managerPort, base: agentPortBase, range: 900 };
  log('item 3: starting a daemon (process runtime, mini harness) and spawning coder');
  const d = await startDaemon({
    stateDir,
    env: {
      HIVE_HARNESS_CMD: JSON.stringify([process.execPath, testing.miniHarnessPath]),
      HIVE_SANDBOX: 'none',
      HIVE_MANAGER_PORT: String(managerPort),
      HIVE_AGENT_PORT_BASE: String(agentPortBase),
    },
  });
  try {
    await request(`${d.url}/api/agents`, { method: 'POST', body: { name: AGENT } });
    const token = (await readFile(path.join(stateDir, 'state', portOptions.managerName, 'token'), 'utf8')).trim();
    const proposed = path.join(stateDir, 'agents', AGENT, 'config');
    const raw = await rawState(path.join(root, 'raw'), portOptions, Number(new URL(d.url).port));
    let rawId = 0;

    const daemonRun = async (i) => {
      const sha = await propose(proposed, `d${i}`);
      const t0 = now();
      const q = await request(`${d.url}/api/agent/request_apply_commit`, { method: 'POST', body: { name: AGENT, sha }, token });
      const requestMs = now() - t0;
      const a = await request(`${d.url}/api/approvals/${q.body.approval_id}/approve`, { method: 'POST', body: {} });
      const total = now() - t0;
      if (a.body.approval.status !== 'deployed') throw new Error(`daemon approval ${q.body.approval_id} ended ${a.body.approval.status}: ${a.body.approval.note}`);
      return { total, request: requestMs, approve: a.ms };
    };
    const rawRun = async (i) => {
      const sha = await propose(raw.layout.proposed(AGENT), `r${i}`);
      return rawPipeline(raw, sha, ++rawId);
    };
    const libRun = async (i) => {
      const sha = await propose(raw.layout.proposed(AGENT), `l${i}`);
      return libraryPipeline(raw, sha, ++rawId);
    };

    // One untimed round of each warms nix's caches, the page cache and the HTTP connection.
    await daemonRun('w');
    await rawRun('w');
    await libRun('w');
    const runs = { daemon: [], raw: [], lib: [] };
    const order = [
      ['daemon', daemonRun],
      ['raw', rawRun],
      ['lib', libRun],
    ];
    for (let i = 0; i < reps; i++) {
      // Rotate who goes first each round.
      for (let k = 0; k < order.length; k++) {
        const [name, fn] = order[(i + k) % order.length];
        runs[name].push(await fn(i));
      }
    }
    const restart = await harnessRestart(raw, root, 5);
    // Untimed: which processes each side starts (a PATH shim logs them).
    const libSha = await propose(raw.layout.proposed(AGENT), 'lt');
    const traceLib = await traceProcesses(path.join(root, 'trace-lib'), () => libraryPipeline(raw, libSha, ++rawId, { reread: false }));
    const rawSha = await propose(raw.layout.proposed(AGENT), 'rt');
    const traceRaw = await traceProcesses(path.join(root, 'trace-raw'), () => rawPipeline(raw, rawSha, ++rawId));
    const topLevel = (calls, parent) => calls.filter((c) => c.parent === parent);
    const processes = {
      lib: topLevel(traceLib.calls, 'node').map((c) => `${c.tool} ${c.args}`),
      raw: topLevel(traceRaw.calls, 'bash').map((c) => `${c.tool} ${c.args}`),
    };
    const costs = await spawnCosts(raw.layout.applied(AGENT));
    const git = (args) => run('git', args, { cwd: raw.layout.applied(AGENT) }).then((r) => r.stdout.trim());
    if ((await git(['rev-parse', 'refs/heads/main'])) !== (await git(['rev-parse', `refs/tags/deployed/${rawId}^{commit}`])))
      throw new Error('raw pipeline: applied main is not the last deployed commit');
    log(`item 3: daemon ${median(runs.daemon.map((r) => r.total)).toFixed(0)} ms, raw ${median(runs.raw.map((r) => r.total)).toFixed(0)} ms, library ${median(runs.lib.map((r) => r.total)).toFixed(0)} ms, restart ${restart.restart.toFixed(0)} ms`);

    log('item 5: 50 WebSocket clients on the same daemon');
    const fan = await fanOut(d.url, token);
    log(`item 5: all 50 in ${fan.all.toFixed(1)} ms (first ${fan.first.toFixed(1)} ms, POST ${fan.post.toFixed(1)} ms)`);
    return { runs, restart, fan, processes, costs };
  } finally {
    await d.stop();
  }
}
