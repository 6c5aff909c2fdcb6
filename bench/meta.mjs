// Items 1 and 2: syncAgents and the rebuild relock against the raw `nix flake lock` they wrap.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NIX_ENV, git, log, median, nixFlags, run, spawnCosts, timed, traceProcesses } from './lib/util.mjs';
import { metaflake } from './lib/seed.mjs';

const { agentsForMeta, lockUpdateForRebuild, renderMetaFlake, seedAppliedAgent, syncAgents } = metaflake;

/** `nix flake lock [extra] dir` with runNix's flags, timed from spawn to exit. */
async function rawLock(dir, extra = []) {
  const r = await run('nix', [...(await nixFlags()), 'flake', 'lock', ...extra, dir], { cwd: dir, env: NIX_ENV });
  return r.ms;
}

/** A fresh git repo holding exactly the flake.nix syncAgents renders, staged (nix sees tracked files only). */
async function rawFlakeRepo(dir, specs, renderOptions) {
  await mkdir(dir, { recursive: true });
  await git(dir, ['init', '-q', '-b', 'main']);
  await writeFile(path.join(dir, 'flake.nix'), renderMetaFlake(specs, renderOptions));
  await git(dir, ['add', 'flake.nix']);
}

async function lockRev(dir, input) {
  const lock = JSON.parse(await readFile(path.join(dir, 'flake.lock'), 'utf8'));
  return lock.nodes[lock.nodes[lock.root].inputs[input]].locked.rev;
}

/**
 * `hive`: { root, stateDir, appliedRoot, hyperhiveUrl, dashboardPort, portOptions, names200 }.
 * Leaves `<stateDir>/meta` synced for the 200 agents, as the daemon will render it.
 */
export async function benchMeta(hive, { coldReps = 3, warmReps = 5, relockReps = 5 } = {}) {
  const { root, appliedRoot, hyperhiveUrl, dashboardPort, portOptions } = hive;
  const renderOptions = { appliedRoot, hyperhiveUrl, dashboardPort };
  const opts = (metaDir) => ({ metaDir, ...renderOptions });
  const sizes = {
    200: { specs: agentsForMeta(hive.names200, undefined, { managerName: portOptions.managerName, ports: portOptions }), meta: path.join(hive.stateDir, 'meta') },
    1: { specs: agentsForMeta([hive.names200[1]], undefined, { managerName: portOptions.managerName, ports: portOptions }), meta: path.join(root, 'meta-1') },
  };

  // nix caches each applied repo's archive by rev: fill that cache once, untimed, so the
  // library and the raw command both run against the same warm cache whatever the order.
  log('item 1: priming nix caches with one untimed 200-input lock');
  await rawFlakeRepo(path.join(root, 'prime-200'), sizes[200].specs, renderOptions);
  await rawLock(path.join(root, 'prime-200'));

  const sync = {};
  for (const n of [1, 200]) {
    const { specs, meta } = sizes[n];
    const cold = { lib: [], raw: [] };
    for (let i = 0; i < coldReps; i++) {
      const libDir = i === 0 ? meta : path.join(root, `cold-${n}-${i}`);
      const rawDir = path.join(root, `raw-${n}-${i}`);
      await rawFlakeRepo(rawDir, specs, renderOptions);
      const steps = [
        async () => {
          const t = await timed(() => syncAgents({ ...opts(libDir), agents: specs }));
          if (!t.value.changed) throw new Error(`cold syncAgents(${n}) made no commit`);
          cold.lib.push(t.ms);
        },
        async () => cold.raw.push(await rawLock(rawDir)),
      ];
      // Alternate which goes first, so neither always meets a busier page cache.
      for (const s of i % 2 ? steps.reverse() : steps) await s();
    }
    const warm = { lib: [], raw: [] };
    for (let i = 0; i < warmReps; i++) {
      const t = await timed(() => syncAgents({ ...opts(meta), agents: specs }));
      if (t.value.changed) throw new Error(`warm syncAgents(${n}) committed again`);
      warm.lib.push(t.ms);
      warm.raw.push(await rawLock(path.join(root, `raw-${n}-0`)));
    }
    sync[n] = { cold, warm };
    log(`item 1: ${n} agents: cold lib ${median(cold.lib).toFixed(0)} ms raw ${median(cold.raw).toFixed(0)} ms; warm lib ${median(warm.lib).toFixed(0)} ms raw ${median(warm.raw).toFixed(0)} ms`);
  }

  // Item 2: relock one agent after a new commit in its applied repo, 200-agent vs 1-agent meta.
  const agent = sizes[1].specs[0].name;
  const input = `agent-${agent}`;
  const rawCopy = { 200: path.join(root, 'relock-raw-200'), 1: path.join(root, 'relock-raw-1') };
  const prime = path.join(root, 'relock-prime');
  for (const [n, dir] of [...Object.entries(rawCopy), ['1', prime]]) await run('cp', ['-a', sizes[n].meta, dir]);
  const relock = { 200: { lib: [], raw: [] }, 1: { lib: [], raw: [] } };
  for (let i = 0; i < relockReps; i++) {
    const sha = await seedAppliedAgent({ appliedRoot, name: agent, agentNix: `{ ... }: {\n  hive.model = "bench-${i}";\n}\n` });
    // The new rev is archived into the store once, untimed: both sides then pay only the relock.
    await rawLock(prime, ['--update-input', input]);
    const steps = [];
    for (const n of [200, 1]) {
      steps.push(async () => {
        const t = await timed(() => lockUpdateForRebuild(opts(sizes[n].meta), agent));
        if (!t.value.changed || (await lockRev(sizes[n].meta, input)) !== sha) throw new Error(`relock(${n}) did not pin ${sha}`);
        relock[n].lib.push(t.ms);
      });
      steps.push(async () => {
        relock[n].raw.push(await rawLock(rawCopy[n], ['--update-input', input]));
        if ((await lockRev(rawCopy[n], input)) !== sha) throw new Error(`raw relock(${n}) did not pin ${sha}`);
      });
    }
    for (const s of i % 2 ? steps.reverse() : steps) await s();
  }
  // Untimed: the processes one library relock starts around its nix call.
  await seedAppliedAgent({ appliedRoot, name: agent, agentNix: '{ ... }: {\n  hive.model = "bench-trace";\n}\n' });
  const trace = await traceProcesses(path.join(root, 'trace-relock'), () => lockUpdateForRebuild(opts(sizes[1].meta), agent));
  const relockProcesses = trace.calls.filter((c) => c.parent === 'node').map((c) => `${c.tool} ${c.args}`);
  // What one git process costs right now: the relock's overhead is counted in these.
  const costs = await spawnCosts(sizes[1].meta);
  log(`item 2: relock 200: lib ${median(relock[200].lib).toFixed(0)} ms raw ${median(relock[200].raw).toFixed(0)} ms; 1: lib ${median(relock[1].lib).toFixed(0)} ms raw ${median(relock[1].raw).toFixed(0)} ms`);
  return { sync, relock, agent, relockProcesses, costs };
}
