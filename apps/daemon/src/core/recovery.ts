import { existsSync } from 'node:fs';
import type { Approval } from '@hive/protocol';
import { approvalStateFromTags, deployedTag, failedTag } from '@hive/gitops';
import { abortDeploy } from '@hive/metaflake';
import { META_LOCK, runtimeAgent, type HiveContext } from './context.js';
import { failDeploy, resumeDeployed } from './pipeline.js';

export const INTERRUPTED_NOTE = 'hive-c0re stopped during the build (daemon restart); nothing was deployed — request it again';

/**
 * On start: every approval the DB does not show as resolved is reconciled from the tags
 * (the tags are the truth), through the pipeline's own steps: a planted deployed/<id> is finished
 * (main → finalize); a build with no terminal tag takes the fail step with a note.
 */
export async function recoverApprovals(ctx: HiveContext): Promise<{ reconciled: number[] }> {
  const reconciled: number[] = [];
  for (const a of ctx.store.unresolvedApprovals()) {
    const changed = await ctx.locks.run(a.agent, () => (a.kind === 'init' ? recoverInit(ctx, a) : recoverApply(ctx, a)));
    if (changed) reconciled.push(a.id);
  }
  // A meta lock left uncommitted by a killed build is never a deploy: restore it.
  if (existsSync(ctx.layout.metaDir)) await ctx.locks.run(META_LOCK, () => abortDeploy(ctx.meta));
  return { reconciled };
}

async function restoreRuntime(ctx: HiveContext, name: string): Promise<void> {
  try {
    await ctx.runtime.update(runtimeAgent(ctx, name));
  } catch (e) {
    ctx.log.error({ agent: name, err: (e as Error).message }, 'could not put the agent back on its deployed config after an interrupted build');
  }
}

function finish(ctx: HiveContext, a: Approval, status: 'deployed' | 'failed' | 'denied', terminal_tag: string | null, note: string | null) {
  ctx.store.resolveApproval(a.id, { status, terminal_tag, note });
  ctx.bus.emit('ApprovalResolved', a.agent, { id: a.id, agent: a.agent, status, terminal_tag, note, recovered: true });
  ctx.log.warn({ approval: a.id, agent: a.agent, status }, 'recovered approval from tags');
}

async function recoverInit(ctx: HiveContext, a: Approval): Promise<boolean> {
  if (a.status !== 'building') return false;
  if (ctx.store.getAgent(a.agent)) finish(ctx, a, 'deployed', deployedTag(0), null);
  else finish(ctx, a, 'failed', null, INTERRUPTED_NOTE);
  return true;
}

/** Reconciles one apply approval from its tags; `note` explains an unfinished build. Caller holds the agent lock. */
export async function recoverApply(ctx: HiveContext, a: Approval, note = INTERRUPTED_NOTE): Promise<boolean> {
  const applied = ctx.layout.applied(a.agent);
  if (!existsSync(applied)) {
    finish(ctx, a, 'failed', null, 'the applied repo is gone (agent purged)');
    return true;
  }
  const tags = await approvalStateFromTags(applied, a.id);
  if (tags.status === 'pending' && a.status === 'pending') return false;
  const t = { agent: a.agent, id: a.id, sha: a.fetched_sha! };
  switch (tags.status) {
    case 'deployed':
      // The build passed before the crash: the pipeline's last steps finish what the run had left.
      await resumeDeployed(ctx, t);
      ctx.store.upsertAgent(a.agent, { deployed_tag: tags.terminalTag });
      finish(ctx, a, 'deployed', tags.terminalTag, null);
      return true;
    case 'failed':
    case 'denied':
      await failDeploy(ctx, t, null);
      finish(ctx, a, tags.status, tags.terminalTag, tags.note);
      return true;
    default: {
      // building, pending-with-DB-building, or absent: the build never finished.
      const planted = tags.status !== 'absent';
      await failDeploy(ctx, t, planted ? note : null);
      finish(ctx, a, 'failed', planted ? failedTag(a.id) : null, note);
      // The build may have switched a container that outlived the daemon (NixOS) to the tree never
      // deployed: put it back on main's. A process harness died with the daemon and starts from main.
      if (planted && (await ctx.runtime.status(a.agent)) === 'running') await restoreRuntime(ctx, a.agent);
      return true;
    }
  }
}
