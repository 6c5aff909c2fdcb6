import { existsSync, lstatSync, readdirSync, rmSync } from 'node:fs';
import { insideRoot, validateAgentName } from '@hive/core';
import { latestDeployedTag, PreOverhaulLayoutError, readAgentPolicy, setupApplied, setupProposed } from '@hive/gitops';
import { agentsForMeta, lockUpdateForRebuild, lockUpdateHyperhive, syncAgents } from '@hive/metaflake';
import { agentWebPort, describePortHolder, findPortConflicts, findPortHolder, PortHeldError, preflightPort } from '@hive/ports';
import { readHiveSettings, type HiveSettings } from '@hive/containers';
import { AgentExistsError, AgentNotFoundError } from '../errors.js';
import { META_LOCK, runtimeAgent, type HiveContext } from './context.js';
import { assertThawed } from './freeze.js';

/**
 * Agents between their first meta sync and their DB row. Parallel spawns each re-render the meta
 * flake; without this set, the later sync would drop an agent the earlier one just added.
 */
const spawning = new WeakMap<HiveContext, Set<string>>();
function spawningIn(ctx: HiveContext): Set<string> {
  let s = spawning.get(ctx);
  if (!s) spawning.set(ctx, (s = new Set()));
  return s;
}

/** The agents the meta flake should hold: every recorded agent, every one mid-spawn, plus `extra`. */
function metaAgents(ctx: HiveContext, extra?: string) {
  const names = [...new Set([...ctx.store.listAgents().map((a) => a.name), ...spawningIn(ctx)])];
  return agentsForMeta(names, extra, { managerName: ctx.config.managerName, ports: ctx.ports });
}

/** Re-renders and relocks the meta flake for the current agent set (serialised with every meta write). */
export function syncMeta(ctx: HiveContext, extra?: string) {
  return ctx.locks.run(META_LOCK, () => syncAgents({ ...ctx.meta, agents: metaAgents(ctx, extra) }));
}

/** The `hive` settings of the agent's applied tree as it is on disk; null when unreadable (keep the last known model). */
export async function settingsOf(ctx: HiveContext, name: string): Promise<HiveSettings | null> {
  try {
    return await readHiveSettings(ctx.layout.applied(name));
  } catch {
    return null;
  }
}

/** The model the agent's applied tree configures; null when its settings are unreadable. */
export async function modelOf(ctx: HiveContext, name: string): Promise<string | null> {
  return (await settingsOf(ctx, name))?.model ?? null;
}

/** Recorded agents other than `name` on its port whose harness runs (or is starting): the ones that hold it. */
async function runningTwins(ctx: HiveContext, name: string): Promise<string[]> {
  const port = agentWebPort(name, ctx.ports);
  const twins: string[] = [];
  for (const a of ctx.store.listAgents()) {
    if (a.name === name || agentWebPort(a.name, ctx.ports) !== port) continue;
    const status = await ctx.runtime.status(a.name);
    if (status === 'running' || status === 'starting') twins.push(a.name);
  }
  return twins;
}

/**
 * SPEC §2: refuse when a *running* agent other than `name` has its port (or one mid-spawn, about
 * to run). A crashed or stopped twin holds nothing, and counting it would block the rebuild the
 * refusal itself advises. With `claim`, `name` joins the mid-spawn set in the same synchronous step
 * as the check, so two parallel spawns of a colliding pair cannot both pass.
 */
async function preflight(ctx: HiveContext, name: string, o: { claim?: boolean } = {}): Promise<void> {
  const running = await runningTwins(ctx, name);
  const taken = [...ctx.store.listAgents().map((a) => a.name), ...spawningIn(ctx)];
  preflightPort(name, [...running, ...spawningIn(ctx)], { ...ctx.ports, taken });
  if (o.claim) spawningIn(ctx).add(name);
}

/** This agent's dirs under the state root that do not exist yet: what a failed spawn may remove. */
function missingDirs(ctx: HiveContext, name: string): string[] {
  return ['agents', 'applied', 'state'].map((top) => insideRoot(ctx.layout.root, top, name)).filter((d) => !lstatOrNull(d));
}

function lstatOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

/**
 * spawn = validate → port preflight → setupProposed → setupApplied → sync meta → create → start.
 * Caller holds the agent lock. A spawn that fails takes back everything it made (container, row,
 * token, the dirs it created, its meta input), so the same spawn can simply be run again.
 */
export async function spawnLocked(
  ctx: HiveContext,
  name: string,
  o: { /** init approvals deploy the sha they showed, not proposed's main */ sha?: string } = {},
): Promise<void> {
  validateAgentName(name);
  if (ctx.store.getAgent(name)) throw new AgentExistsError(name);
  const made = { dirs: missingDirs(ctx, name), container: false, meta: false };
  const knownContainer = (await ctx.runtime.list()).includes(name);
  await preflight(ctx, name, { claim: true });
  const port = agentWebPort(name, ctx.ports);
  try {
    const proposed = ctx.layout.proposed(name);
    await setupProposed({ dir: proposed, name });
    // The first commit is checked like every later proposal, with the operator's relaxations for this agent.
    await setupApplied({ dir: ctx.layout.applied(name), proposedDir: proposed, sha: o.sha, policy: readAgentPolicy(ctx.layout.root, name) });
    const agent = runtimeAgent(ctx, name);
    made.meta = true;
    await syncMeta(ctx, name);
    made.container = !knownContainer;
    await ctx.runtime.create(agent);
    ctx.store.upsertAgent(name, { status: 'starting', model: await modelOf(ctx, name), deployed_tag: existsSync(agent.appliedDir) ? await latestDeployedTag(agent.appliedDir) : null });
    // Not startAgent: a first start that fails is taken back below, not left as a crashed agent.
    await ctx.runtime.start(agent);
  } catch (e) {
    // Read now: the holder may let go of the port while the spawn is taken back.
    const failure = explainStartFailure(port, name, e);
    spawningIn(ctx).delete(name);
    await undoSpawn(ctx, name, made);
    throw failure;
  }
  spawningIn(ctx).delete(name);
  ctx.store.setAgentStatus(name, 'running');
  ctx.bus.emit('Spawned', name, { agent: name, port });
  // A crashed or stopped twin on the same port does not block a spawn, but it is surfaced.
  for (const c of findPortConflicts(ctx.store.listAgents().map((a) => a.name), ctx.ports))
    if (c.agents.includes(name)) ctx.bus.emit('PortConflict', name, { port: c.port, agents: c.agents });
  ctx.bus.emit('AgentStatus', name, { agent: name, status: 'running' });
}

/** A port that stayed taken through the harness's bind retries names what holds it. */
function explainStartFailure(port: number, name: string, e: unknown): unknown {
  if ((e as { code?: string }).code !== 'PORT_IN_USE') return e;
  return new PortHeldError(port, name, describePortHolder(findPortHolder(port)), { cause: e });
}

/** Takes back what a failed spawn made; each step is tried even when an earlier one fails (and logged). */
async function undoSpawn(ctx: HiveContext, name: string, made: { dirs: string[]; container: boolean; meta: boolean }): Promise<void> {
  const steps: [string, () => unknown][] = [
    ['container', () => made.container && ctx.runtime.destroy(name)],
    ['row', () => (ctx.store.deleteAgent(name), ctx.store.dropInbox(name), ctx.tokens.forget(name))],
    // insideRoot-checked when listed; rmSync removes a symlink itself, never what it points to.
    ['dirs', () => made.dirs.forEach((d) => rmSync(d, { recursive: true, force: true }))],
    ['meta input', () => made.meta && syncMeta(ctx)],
  ];
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (err) {
      ctx.log.error({ agent: name, step: what, err: (err as Error).message }, 'could not take back a failed spawn');
    }
  }
}

/**
 * Starts a recorded agent's container and records the outcome. Refused (status stopped, the
 * agent untouched) while a running agent holds its port; a failed start is a crashed agent.
 */
export async function startAgent(ctx: HiveContext, name: string): Promise<void> {
  const agent = runtimeAgent(ctx, name);
  try {
    await preflight(ctx, name);
  } catch (e) {
    ctx.store.setAgentStatus(name, 'stopped');
    ctx.bus.emit('AgentStatus', name, { agent: name, status: 'stopped', error: (e as Error).message });
    throw e;
  }
  try {
    await ctx.runtime.start(agent);
    ctx.store.setAgentStatus(name, 'running');
    ctx.bus.emit('AgentStatus', name, { agent: name, status: 'running' });
  } catch (e) {
    ctx.store.setAgentStatus(name, 'crashed');
    ctx.bus.emit('container_crash', name, { agent: name, code: null, signal: null, tail: (e as Error).message });
    throw explainStartFailure(agent.port, name, e);
  }
}

/**
 * Start-up repair of a recorded agent's repos (what spawn would have done for it): the proposed
 * repo's `applied` remote (URL, refspecs) is set right, and an applied repo without deployed/0 —
 * a pre-overhaul layout — is refused with the hint to purge it. Throws only for the latter.
 */
export async function repairAgentRepos(ctx: HiveContext, name: string): Promise<void> {
  const proposed = ctx.layout.proposed(name);
  if (existsSync(proposed)) {
    try {
      await setupProposed({ dir: proposed, name });
    } catch (e) {
      ctx.log.warn({ agent: name, err: (e as Error).message }, 'could not repair the applied remote of the proposed repo');
    }
  }
  const applied = ctx.layout.applied(name);
  // An empty or missing applied repo is not seeded here: that would deploy proposed main unapproved.
  if (!existsSync(applied) || readdirSync(applied).length === 0) throw new PreOverhaulLayoutError(applied, name);
  await setupApplied({ dir: applied, proposedDir: proposed });
}

export function spawn(ctx: HiveContext, name: string): Promise<void> {
  validateAgentName(name);
  assertThawed(ctx);
  return ctx.locks.run(name, () => spawnLocked(ctx, name));
}

/** rebuild = port preflight → sync meta → relock this agent to applied main → runtime update. */
export function rebuild(ctx: HiveContext, name: string): Promise<void> {
  validateAgentName(name);
  assertThawed(ctx);
  return ctx.locks.run(name, async () => {
    if (!ctx.store.getAgent(name)) throw new AgentNotFoundError(name);
    await preflight(ctx, name);
    await ctx.locks.run(META_LOCK, async () => {
      await syncAgents({ ...ctx.meta, agents: metaAgents(ctx) });
      await lockUpdateForRebuild(ctx.meta, name);
    });
    ctx.store.setAgentStatus(name, 'building');
    try {
      await ctx.runtime.update(runtimeAgent(ctx, name));
    } catch (e) {
      ctx.store.setAgentStatus(name, (await ctx.runtime.status(name)) === 'running' ? 'running' : 'crashed');
      ctx.bus.emit('Rebuilt', name, { agent: name, ok: false, terminal_tag: null, error: (e as Error).message });
      throw e;
    }
    ctx.store.upsertAgent(name, { status: 'running', model: await modelOf(ctx, name) });
    ctx.bus.emit('Rebuilt', name, { agent: name, ok: true, terminal_tag: null });
  });
}

/** Stops and removes the container; purge also deletes its repos, state and meta input (never outside the state root). */
export function destroy(ctx: HiveContext, name: string, o: { purge?: boolean } = {}): Promise<void> {
  validateAgentName(name);
  return ctx.locks.run(name, async () => {
    const dirs = [
      insideRoot(ctx.layout.root, 'agents', name),
      insideRoot(ctx.layout.root, 'applied', name),
      insideRoot(ctx.layout.root, 'state', name),
    ];
    const known = !!ctx.store.getAgent(name) || (await ctx.runtime.list()).includes(name);
    if (!known && !(o.purge && dirs.some((d) => existsSync(d)))) throw new AgentNotFoundError(name);
    await ctx.runtime.destroy(name);
    ctx.store.deleteAgent(name);
    ctx.store.dropInbox(name);
    ctx.tokens.forget(name);
    if (o.purge) {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      await syncMeta(ctx);
    }
    ctx.bus.emit('Destroyed', name, { agent: name, purge: !!o.purge });
  });
}

/** autoUpdate = relock the hyperhive input, then rebuild every agent (one at a time). */
export async function autoUpdate(ctx: HiveContext): Promise<{ rebuilt: string[]; failed: { agent: string; error: string }[] }> {
  assertThawed(ctx);
  await ctx.locks.run(META_LOCK, () => lockUpdateHyperhive(ctx.meta));
  const rebuilt: string[] = [];
  const failed: { agent: string; error: string }[] = [];
  for (const a of ctx.store.listAgents()) {
    try {
      await rebuild(ctx, a.name);
      rebuilt.push(a.name);
    } catch (e) {
      failed.push({ agent: a.name, error: (e as Error).message });
    }
  }
  return { rebuilt, failed };
}
