import { existsSync, lstatSync, rmSync } from 'node:fs';
import { insideRoot, validateAgentName } from '@hive/core';
import { latestDeployedTag, readAgentPolicy, setupApplied, setupProposed } from '@hive/gitops';
import { agentWebPort, describePortHolder, findPortConflicts, findPortHolder, PortHeldError } from '@hive/ports';
import { AgentExistsError } from '../errors.js';
import { runtimeAgent, type HiveContext } from './context.js';
import { assertThawed } from './freeze.js';
import { appliedInSpawn, endSpawn, modelOf, preflight, syncMeta } from './lifecycle.js';

// spawn = validate → port preflight → setupProposed → setupApplied → sync meta → create → start,
// and the undo of a spawn that failed. The agent set and the port preflight live in lifecycle.ts.

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
    appliedInSpawn(ctx).add(name);
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
    endSpawn(ctx, name);
    await undoSpawn(ctx, name, made);
    throw failure;
  }
  endSpawn(ctx, name);
  ctx.store.setAgentStatus(name, 'running');
  ctx.bus.emit('Spawned', name, { agent: name, port });
  // A crashed or stopped twin on the same port does not block a spawn, but it is surfaced.
  for (const c of findPortConflicts(ctx.store.listAgents().map((a) => a.name), ctx.ports))
    if (c.agents.includes(name)) ctx.bus.emit('PortConflict', name, { port: c.port, agents: c.agents });
  ctx.bus.emit('AgentStatus', name, { agent: name, status: 'running' });
}

/** A port that stayed taken through the harness's bind retries names what holds it. */
export function explainStartFailure(port: number, name: string, e: unknown): unknown {
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

export function spawn(ctx: HiveContext, name: string): Promise<void> {
  validateAgentName(name);
  assertThawed(ctx);
  return ctx.locks.run(name, () => spawnLocked(ctx, name));
}

