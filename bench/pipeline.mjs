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
  return { layout, meta, root: dir };
}

/**
 * The daemon's request_apply_commit + deploy, step by step, straight on the libraries (the same
 * calls, in order, without HTTP, SQLite, the harness or the parallelism): where the library time goes.
 */
export async function libraryPipeline({ layout, meta, root }, sha, id, { build = true } = {}) {
  const applied = layout.applied(AGENT);
  const steps = {};
  const step = async (k, fn) => {
    const t = await timed(fn);
    steps[k] = t.ms;
    return t.value;
  };
  const t0 = now();
  const check = (copy, full) => gitops.checkProposal(copy, full, {});
  const keep = path.join(root, 'cache', 'proposals', AGENT);
  await step('fetch', () => gitops.fetchToTag({ repo: applied, from: layout.proposed(AGENT), sha, tag: gitops.proposalTag(id), check, keep }));
  const mainWas = await gitops.revParse(applied, 'refs/heads/main');
  await step('stamp', () => gitops.stampApproved(applied, id, sha));
  await step('read-tree', () => gitops.readTreeReset(applied, `refs/tags/${gitops.proposalTag(id)}`));
  const prepared = await step('prepare', () => metaflake.prepareDeploy(meta, { name: AGENT, sha }));
  // The build's nix runs inside a bwrap build sandbox, which does not see the trace's PATH shims.
  if (build) await step('build', () => containers.checkBuild(applied));
  const staged = await step('stage', () => metaflake.stageDeploy(meta, { name: AGENT, id, sha, prepared }));
  await step('deployed-tag', () => gitops.plantDeployedOnMain(applied, id, mainWas, sha));
  await step('finalize', () => metaflake.finalizeDeploy(meta, { name: AGENT, id, sha, staged }));
  return { total: now() - t0, steps };
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

/** The real harness (what `hive up` runs when HIVE_HARNESS_CMD is unset): this repo's bundled agent-harness. */
export const REAL_HARNESS = [process.execPath, path.join(REPO, 'apps/agent-harness/dist/main.js')];

/** What a harness restart costs the process runtime: update() (build + restart) minus the build alone. */
async function harnessRestart({ layout }, root, reps, { harness = [process.execPath, testing.miniHarnessPath], sandbox = 'none', tag = 'rt' } = {}) {
  const runtime = new containers.ProcessRuntime({ stateRoot: path.join(root, tag), harnessCommand: harness, sandbox, allowUnsandboxedRoot: sandbox === 'none' });
  const agent = {
    name: AGENT,
    port: await testing.freePort(),
    isManager: false,
    env: { HIVE_NAME: AGENT, HIVE_TOKEN: 'bench-restart-token' },
    flakeRef: `${layout.metaDir}#${AGENT}`,
    appliedDir: layout.applied(AGENT),
    stateDir: path.join(root, tag, 'state', AGENT),
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
  const boot = harness[1] === testing.miniHarnessPath ? await harnessBoot(agent.port, reps) : null;
  return { sandbox: runtime.sandbox ?? sandbox, build: median(build), update: median(update), restart: median(update) - median(build), boot };
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

/** A `hive up` for item 3 with coder spawned: `real` runs what users run (the real harness, bwrap when present). */
async function pipelineDaemon(root, { managerPort, agentPortBase, real }) {
  const stateDir = path.join(root, real ? 'state-real' : 'state');
  // info: the daemon logs each deploy's step times ('deploy steps'), which the report breaks the time down by.
  const env = { HIVE_MANAGER_PORT: String(managerPort), HIVE_AGENT_PORT_BASE: String(agentPortBase), HIVE_LOG_LEVEL: 'info', HIVE_LOG_FORMAT: 'json' };
  // Unset HIVE_HARNESS_CMD and sandbox auto are `hive up`'s defaults: this repo's harness, under bwrap when installed.
  if (real) Object.assign(env, { HIVE_SANDBOX: 'auto' });
  else Object.assign(env, { HIVE_HARNESS_CMD: JSON.stringify([process.execPath, testing.miniHarnessPath]), HIVE_SANDBOX: 'none' });
  log(`item 3: starting a daemon (process runtime, ${real ? 'real harness, sandbox auto' : 'mini harness, sandbox none'}) and spawning coder`);
  const d = await startDaemon({ stateDir, env });
  await request(`${d.url}/api/agents`, { method: 'POST', body: { name: AGENT } });
  const token = (await readFile(path.join(stateDir, 'state', 'hm1nd', 'token'), 'utf8')).trim();
  // What `auto` picks: bwrap when it is installed (ProcessRuntime's own rule).
  const sandbox = real && (await run('sh', ['-c', 'command -v bwrap'], { allowFail: true })).code === 0 ? 'bwrap' : 'none';
  return { d, token, proposed: path.join(stateDir, 'agents', AGENT, 'config'), sandbox };
}

/** One request_apply_commit + approve over HTTP (manager token, then operator token); approve answers once the agent is back. */
async function daemonRound({ d, token, proposed }, tag) {
  const sha = await propose(proposed, tag);
  const t0 = now();
  const q = await request(`${d.url}/api/agent/request_apply_commit`, { method: 'POST', body: { name: AGENT, sha }, token });
  const requestMs = now() - t0;
  const a = await request(`${d.url}/api/approvals/${q.body.approval_id}/approve`, { method: 'POST', body: {} });
  const total = now() - t0;
  if (a.body.approval.status !== 'deployed') throw new Error(`daemon approval ${q.body.approval_id} ended ${a.body.approval.status}: ${a.body.approval.note}`);
  const st = (await request(`${d.url}/api/state`)).body.agents.find((x) => x.name === AGENT);
  if (st.status !== 'running') throw new Error(`after approve ${AGENT} is ${st.status}, not running`);
  return { total, request: requestMs, approve: a.ms, steps: deploySteps(d.output(), q.body.approval_id) };
}

/** The daemon's own 'deploy steps' log line for approval `id`: { ms, steps: { stamp, 'read-tree', … } }, or null. */
function deploySteps(output, id) {
  for (const line of output.split('\n').reverse()) {
    if (!line.includes('"deploy steps"')) continue;
    try {
      const j = JSON.parse(line.slice(line.indexOf('{')));
      if (j.approval === id) return { ms: j.ms, steps: j.steps };
    } catch {
      // not a JSON log line
    }
  }
  return null;
}

/** root: a scratch dir; blocks: two { managerPort, agentPortBase } port blocks (real daemon, mini daemon). */
export async function benchPipeline(root, { reps = 5, blocks }) {
  const portOptions = { managerName: 'hm1nd', managerPort: blocks[0].managerPort, base: blocks[0].agentPortBase, range: 900 };
  const real = await pipelineDaemon(root, { ...blocks[0], real: true });
  const mini = await pipelineDaemon(root, { ...blocks[1], real: false });
  const d = real.d;
  try {
    const token = real.token;
    const raw = await rawState(path.join(root, 'raw'), portOptions, Number(new URL(d.url).port));
    let rawId = 0;

    const daemonRun = (i) => daemonRound(real, `d${i}`);
    const miniRun = (i) => daemonRound(mini, `m${i}`);
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
    await miniRun('w');
    await rawRun('w');
    await libRun('w');
    const runs = { daemon: [], mini: [], raw: [], lib: [] };
    const order = [
      ['daemon', daemonRun],
      ['mini', miniRun],
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
    const restart = await harnessRestart(raw, root, 5, { harness: REAL_HARNESS, sandbox: real.sandbox === 'bwrap' ? 'bwrap' : 'none', tag: 'rt-real' });
    const restartMini = await harnessRestart(raw, root, 5);
    // The post-deploy health check runs the agent's claude command once (`--version`): its start-up alone.
    const claudeBin = core.findClaudeBinary(path.join(REPO, 'apps/agent-harness/package.json'));
    const claudeStarts = [];
    for (let i = 0; claudeBin && i < 3; i++) claudeStarts.push((await run(claudeBin, ['--version'], { allowFail: true })).ms);
    const claudeVersion = claudeStarts.length ? median(claudeStarts) : null;
    // Untimed: which processes each side starts (a PATH shim logs them).
    const libSha = await propose(raw.layout.proposed(AGENT), 'lt');
    const traceLib = await traceProcesses(path.join(root, 'trace-lib'), () => libraryPipeline(raw, libSha, ++rawId, { build: false }));
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
    log(`item 3: daemon (real harness, sandbox ${real.sandbox}) ${median(runs.daemon.map((r) => r.total)).toFixed(0)} ms, mini harness ${median(runs.mini.map((r) => r.total)).toFixed(0)} ms, raw ${median(runs.raw.map((r) => r.total)).toFixed(0)} ms, library ${median(runs.lib.map((r) => r.total)).toFixed(0)} ms, restart ${restart.restart.toFixed(0)} ms`);

    log('item 5: 50 WebSocket clients on the same daemon');
    const fan = await fanOut(d.url, token);
    log(`item 5: all 50 in ${fan.all.toFixed(1)} ms (first ${fan.first.toFixed(1)} ms, POST ${fan.post.toFixed(1)} ms)`);
    return { runs, restart, restartMini, claudeVersion, sandbox: real.sandbox, fan, processes, costs };
  } finally {
    await d.stop();
    await mini.d.stop();
  }
}
