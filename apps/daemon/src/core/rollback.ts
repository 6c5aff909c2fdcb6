import { existsSync } from 'node:fs';
import { validateAgentName } from '@hive/core';
import type { Approval } from '@hive/protocol';
import { latestDeployedTag, plantRollbackProposal, previousDeployedTag, tagExists, treeOf } from '@hive/gitops';
import { AgentNotFoundError, NothingToRollBackError } from '../errors.js';
import { APPROVAL_ID_LOCK, type HiveContext } from './context.js';
import { assertThawed } from './freeze.js';
import { deploy } from './pipeline.js';
import { recoverApply } from './recovery.js';
import { autoReverted, resolved } from './approvals.js';

export interface RollbackOptions {
  /** `deployed/<id>` to go back to; default: the deploy before the current one. */
  to?: string;
  /** Why, for the record (the rollback commit's message, the undone mark). */
  reason?: string;
}

/**
 * `hive rollback`: deploys an earlier deployed tree as a new commit on applied main (history only
 * grows), through the same pipeline as an approval — its own id, approved/building/deployed tags,
 * the meta lock commit, the health gate. Answers when it ends, with the rollback's approval row.
 * What it rolled back from is marked undone, so a re-proposal of that tree shows as one.
 */
export async function rollback(ctx: HiveContext, name: string, o: RollbackOptions = {}): Promise<Approval> {
  validateAgentName(name);
  assertThawed(ctx);
  return ctx.locks.run(name, async () => {
    assertThawed(ctx);
    if (!ctx.store.getAgent(name)) throw new AgentNotFoundError(name);
    const applied = ctx.layout.applied(name);
    if (!existsSync(applied)) throw new AgentNotFoundError(name);
    const from = await latestDeployedTag(applied);
    const to = o.to ?? (from ? await previousDeployedTag(applied, from) : null);
    if (!to) throw new NothingToRollBackError(`${name} has no deploy before ${from ?? 'its first'} to roll back to: name one with --to deployed/<id>`);
    if (!(await tagExists(applied, to))) throw new NothingToRollBackError(`${name} has no ${to}: hive approvals lists its deploys`);
    const tree = await treeOf(applied, `refs/tags/${to}`);
    const current = await treeOf(applied, 'refs/heads/main');
    if (tree === current) throw new NothingToRollBackError(`${name} already runs ${to}'s tree: nothing to roll back`);
    const note = `rollback to ${to}`;
    const a = await ctx.locks.run(APPROVAL_ID_LOCK, async () => {
      const id = ctx.store.nextApprovalId();
      const message = `${note}${from ? ` (from ${from})` : ''}${o.reason ? `\n\n${o.reason}` : ''}\n\nhyperhive rollback ${id}`;
      const sha = await plantRollbackProposal(applied, { id, to, message });
      return ctx.store.insertApproval({ id, agent: name, kind: 'rollback', commit_ref: to, fetched_sha: sha, tree });
    });
    ctx.bus.emit('ApprovalQueued', name, { id: a.id, agent: name, kind: 'rollback', sha: a.fetched_sha });
    ctx.store.claimForBuild(a.id);
    ctx.bus.emit('ApprovalBuilding', name, { id: a.id, agent: name });
    try {
      const out = await deploy(ctx, { agent: name, id: a.id, sha: a.fetched_sha!, tree });
      if (!out.ok) {
        if (out.reverted) autoReverted(ctx, a, out.reverted, out.error);
        return resolved(ctx, a, { status: 'failed', terminal_tag: out.terminalTag, note: `${note}: ${out.error}` });
      }
      ctx.store.markUndone({ tree: current, agent: name, how: 'rolled-back', by: a.id, why: `${note}${o.reason ? `: ${o.reason}` : ''}` });
      const done = resolved(ctx, a, { status: 'deployed', terminal_tag: out.terminalTag, note });
      ctx.bus.emit('RolledBack', name, { id: a.id, agent: name, to, from, sha: a.fetched_sha!, auto: false });
      return done;
    } catch (e) {
      // git or the repo itself, not a build: reconcile from the tags as approve does.
      await recoverApply(ctx, { ...a, status: 'building' }, `the rollback could not run: ${(e as Error).message}`);
      return ctx.store.getApproval(a.id)!;
    }
  });
}
