import { existsSync, readdirSync, rmSync } from 'node:fs';
import { insideRoot, validateAgentName } from '@hive/core';
import { PreOverhaulLayoutError, setupApplied, setupProposed } from '@hive/gitops';
import { agentsForMeta, lockUpdateForRebuild, lockUpdateHyperhive, syncAgents } from '@hive/metaflake';
import { agentWebPort, preflightPort } from '@hive/ports';
import { readHiveSettings, type HiveSettings } from '@hive/containers';
import { AgentNotFoundError } from '../errors.js';
import { META_LOCK, runtimeAgent, type HiveContext } from './context.js';
import { assertThawed } from './freeze.js';
import { explainStartFailure } from './spawn.js';

// Agents mid-spawn, per hive (a HiveContext): two sets, both cleared by endSpawn.
const claimed = new WeakMap<HiveContext, Set<string>>();
const applied = new WeakMap<HiveContext, Set<string>>();
function perHive(sets: WeakMap<HiveContext, Set<string>>, ctx: HiveContext): Set<string> {
  let s = sets.get(ctx);
  if (!s) sets.set(ctx, (s = new Set()));
  return s;
}

/** Agents mid-spawn from their port preflight on, until their DB row: their port counts as taken. */
export function spawningIn(ctx: HiveContext): Set<string> {
  return perHive(claimed, ctx);
}

/**
 * Agents mid-spawn whose applied repo is set up (main exists), until their DB row. Parallel spawns
 * each re-render the meta flake: from then on a later sync keeps them instead of dropping an agent
 * an earlier one just added; before it there is nothing to lock them to.
 */
export function appliedInSpawn(ctx: HiveContext): Set<string> {
  return perHive(applied, ctx);
}

/** A spawn is over (its row is written, or it was taken back): it leaves both sets. */
export function endSpawn(ctx: HiveContext, name: string): void {
  spawningIn(ctx).delete(name);
  appliedInSpawn(ctx).delete(name);
}

/** The agents the meta flake should hold: every recorded agent, every one mid-spawn with its applied repo, plus `extra`. */
function metaAgents(ctx: HiveContext, extra?: string) {
  const names = [...new Set([...ctx.store.listAgents().map((a) => a.name), ...appliedInSpawn(ctx)])];
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
export async function preflight(ctx: HiveContext, name: string, o: { claim?: boolean } = {}): Promise<void> {
  const running = await runningTwins(ctx, name);
  const taken = [...ctx.store.listAgents().map((a) => a.name), ...spawningIn(ctx)];
  preflightPort(name, [...running, ...spawningIn(ctx)], { ...ctx.ports, taken });
  if (o.claim) spawningIn(ctx).add(name);
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
      insideRoot(ctx.layout.root, 'cache', 'proposals', name),
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
