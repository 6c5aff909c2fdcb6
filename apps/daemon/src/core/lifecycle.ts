import { existsSync, rmSync } from 'node:fs';
import { insideRoot, validateAgentName } from '@hive/core';
import { readAgentPolicy, setupApplied, setupProposed, listTags } from '@hive/gitops';
import { agentsForMeta, lockUpdateForRebuild, lockUpdateHyperhive, syncAgents } from '@hive/metaflake';
import { findPortConflicts, preflightPort } from '@hive/ports';
import { readHiveSettings } from '@hive/containers';
import { AgentExistsError, AgentNotFoundError } from '../errors.js';
import { META_LOCK, runtimeAgent, type HiveContext } from './context.js';

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

/** Highest deployed/<id> tag in an applied repo: what the agent runs. */
export async function latestDeployedTag(appliedDir: string): Promise<string | null> {
  if (!existsSync(appliedDir)) return null;
  const ids = (await listTags(appliedDir, 'deployed/*')).map((t) => Number(t.slice('deployed/'.length))).filter(Number.isInteger);
  return ids.length ? `deployed/${Math.max(...ids)}` : null;
}

/** The model the agent's applied tree configures; null when its settings are unreadable (keep the last known). */
export async function modelOf(ctx: HiveContext, name: string): Promise<string | null> {
  try {
    return (await readHiveSettings(ctx.layout.applied(name))).model;
  } catch {
    return null;
  }
}

function preflight(ctx: HiveContext, name: string): void {
  preflightPort(
    name,
    ctx.store.listAgents().map((a) => a.name),
    ctx.ports,
  );
}

/** spawn = validate → port preflight → setupProposed → setupApplied → sync meta → create → start. Caller holds the agent lock. */
export async function spawnLocked(
  ctx: HiveContext,
  name: string,
  o: { skipPreflight?: boolean; /** init approvals deploy the sha they showed, not proposed's main */ sha?: string } = {},
): Promise<void> {
  validateAgentName(name);
  if (ctx.store.getAgent(name)) throw new AgentExistsError(name);
  if (!o.skipPreflight) preflight(ctx, name);
  const proposed = ctx.layout.proposed(name);
  await setupProposed({ dir: proposed, name });
  // The first commit is checked like every later proposal, with the operator's relaxations for this agent.
  await setupApplied({ dir: ctx.layout.applied(name), proposedDir: proposed, sha: o.sha, policy: readAgentPolicy(ctx.layout.root, name) });
  ctx.tokens.ensure(name);
  const agent = runtimeAgent(ctx, name);
  spawningIn(ctx).add(name);
  try {
    await syncMeta(ctx, name);
    await ctx.runtime.create(agent);
    ctx.store.upsertAgent(name, {
      status: 'starting',
      model: await modelOf(ctx, name),
      deployed_tag: await latestDeployedTag(agent.appliedDir),
    });
  } finally {
    spawningIn(ctx).delete(name);
  }
  ctx.bus.emit('Spawned', name, { agent: name, port: agent.port });
  // Only reachable when the preflight was skipped (test hook) or the port settings changed.
  for (const c of findPortConflicts(ctx.store.listAgents().map((a) => a.name), ctx.ports))
    if (c.agents.includes(name)) ctx.bus.emit('PortConflict', name, { port: c.port, agents: c.agents });
  await startAgent(ctx, name);
}

/** Starts an agent's container and records the outcome (a failed start is a crashed agent, not a lost one). */
export async function startAgent(ctx: HiveContext, name: string): Promise<void> {
  const agent = runtimeAgent(ctx, name);
  try {
    await ctx.runtime.start(agent);
    ctx.store.setAgentStatus(name, 'running');
    ctx.bus.emit('AgentStatus', name, { agent: name, status: 'running' });
  } catch (e) {
    ctx.store.setAgentStatus(name, 'crashed');
    ctx.bus.emit('container_crash', name, { agent: name, code: null, signal: null, tail: (e as Error).message });
    throw e;
  }
}

export function spawn(ctx: HiveContext, name: string, o: { skipPreflight?: boolean } = {}): Promise<void> {
  validateAgentName(name);
  return ctx.locks.run(name, () => spawnLocked(ctx, name, o));
}

/** rebuild = port preflight → sync meta → relock this agent to applied main → runtime update. */
export function rebuild(ctx: HiveContext, name: string): Promise<void> {
  validateAgentName(name);
  return ctx.locks.run(name, async () => {
    if (!ctx.store.getAgent(name)) throw new AgentNotFoundError(name);
    preflight(ctx, name);
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
