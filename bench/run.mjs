// `pnpm bench`: every benchmark of issues 3, 4, 8 and 15 in one run, one report, written to docs/benchmarks.md.
// Knobs: BENCH_QUICK=1 (fewer repetitions), BENCH_KEEP=1 (keep the scratch dir), BENCH_NO_WRITE=1 (print only),
// BENCH_AGENTS=N real harnesses for items 8–9 (default 200), BENCH_MAX_TURNS=M slots for item 9's broadcast (default 4);
// `--render [results.json]` re-renders the report from bench/last-results.json without measuring.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, log, portFree, run } from './lib/util.mjs';
import { pickNames, seedApplied, metaflake } from './lib/seed.mjs';
import { benchBundle } from './bundle.mjs';
import { benchPipeline } from './pipeline.mjs';
import { benchMeta } from './meta.mjs';
import { benchRss, benchState } from './hive.mjs';
import { benchDensity } from './density.mjs';
import { renderReport } from './report.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const started = performance.now();

async function machine() {
  const version = async (cmd, args) => (await run(cmd, args, { allowFail: true }).catch(() => ({ stdout: 'not found' }))).stdout.trim().split('\n')[0];
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memory: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    nix: await version('nix', ['--version']),
    git: await version('git', ['--version']),
    load: os.loadavg(),
  };
}

/** The first port block whose manager port and a probe agent port are free: parallel test suites use others. */
async function freeBlock(candidates, probe) {
  for (const base of candidates) if ((await portFree(base)) && (await portFree(base + 100 + probe))) return base;
  throw new Error(`no free port block among ${candidates.join(', ')}`);
}

const RESULTS = path.join(REPO, 'bench/last-results.json');

function publish(results) {
  const report = renderReport(results);
  process.stdout.write(report);
  if (process.env.BENCH_NO_WRITE !== '1') {
    writeFileSync(path.join(REPO, 'docs/benchmarks.md'), report);
    log('wrote docs/benchmarks.md');
  }
}

// `node bench/run.mjs --render [results.json]`: the report again from saved results, nothing measured.
if (process.argv[2] === '--render') {
  publish(JSON.parse(readFileSync(process.argv[3] ?? RESULTS, 'utf8')));
  process.exit(0);
}

const root = mkdtempSync(path.join(os.tmpdir(), 'hive-bench-'));
log(`scratch dir ${root}${QUICK ? ' (BENCH_QUICK)' : ''}`);
try {
  const results = { machine: await machine(), quick: QUICK };

  results.bundle = benchBundle();

  const pipeBase = await freeBlock([24000, 26000, 22000, 30000], 0);
  const miniBase = await freeBlock([27000, 28000, 29000, 32000], 0);
  results.pipeline = await benchPipeline(path.join(root, 'pipeline'), {
    reps: QUICK ? 3 : 5,
    blocks: [
      { managerPort: pipeBase, agentPortBase: pipeBase + 100 },
      { managerPort: miniBase, agentPortBase: miniBase + 100 },
    ],
  });

  // The big hive: one state dir for items 1, 2, 6 and 4, seeded through the libraries.
  const bigBase = await freeBlock([21000, 23000, 25000, 31000], 0);
  const portOptions = { managerName: 'hm1nd', managerPort: bigBase, base: bigBase + 100, range: 900 };
  const stateDir = path.join(root, 'big');
  const names500 = await pickNames({ count: 500, unique: 200, portOptions });
  const { freePort } = await import(path.join(REPO, 'packages/containers/dist/testing.js'));
  const hive = {
    root,
    stateDir,
    appliedRoot: path.join(stateDir, 'applied'),
    dashboardPort: await freePort(),
    portOptions,
    names200: names500.slice(0, 200),
    names500,
  };
  log('seeding 200 applied repos and the stub hyperhive (the daemon would make the same one)');
  const seedStart = performance.now();
  hive.hyperhiveUrl = (await metaflake.seedLocalHyperhive(path.join(stateDir, 'hyperhive-local'))).url;
  await seedApplied(hive.appliedRoot, hive.names200);
  results.seedMs = performance.now() - seedStart;

  results.meta = await benchMeta(hive, QUICK ? { coldReps: 1, warmReps: 3, relockReps: 2 } : {});
  results.rss = await benchRss(hive, QUICK ? { idleS: 8 } : {});
  results.state = await benchState(hive, QUICK ? { warmup: 20, requests: 200 } : {});

  // Items 8 and 9: BENCH_AGENTS real harnesses (200 by default) on their own state dir and port block,
  // below the kernel's ephemeral range (32768+), where outgoing connections would take agent ports.
  const densityBase = await freeBlock([12000, 14000, 16000, 19000], 0);
  results.density = await benchDensity(path.join(root, 'density'), {
    agents: Number(process.env.BENCH_AGENTS ?? 200),
    broadcast: Math.min(50, Number(process.env.BENCH_AGENTS ?? 200) - 1),
    maxTurns: Number(process.env.BENCH_MAX_TURNS ?? 4),
    idleS: QUICK ? 8 : 20,
    portBase: densityBase,
  });
  results.totalMs = performance.now() - started;
  results.loadEnd = os.loadavg();

  // Saved before rendering, so a report change can be re-rendered without measuring again.
  writeFileSync(process.env.BENCH_NO_WRITE === '1' ? path.join(root, 'results.json') : RESULTS, JSON.stringify(results, null, 2) + '\n');
  publish(results);
} finally {
  if (process.env.BENCH_KEEP === '1') log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
