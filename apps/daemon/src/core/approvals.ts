import { existsSync } from 'node:fs';
import { validateAgentName } from '@hive/core';
import type { Approval, ApprovalDiff } from '@hive/protocol';
import {
  checkProposal,
  deniedTag,
  deployedTag,
  diff,
  EMPTY_TREE,
  fetchToTag,
  git,
  plantDenied,
  proposalTag,
  readAgentPolicy,
  readProposedMain,
  revParse,
  setupProposed,
  tagExists,
  TagExistsError,
  withFetchedCommit,
} from '@hive/gitops';
import { ForbiddenError } from '@hive/http-edge';
import { AgentExistsError, AgentNotFoundError, ApprovalNotFoundError, ApprovalResolvedError } from '../errors.js';
import { APPROVAL_ID_LOCK, type HiveContext } from './context.js';
import { spawnLocked } from './spawn.js';
import { deploy } from './pipeline.js';
import { recoverApply } from './recovery.js';
import { assertThawed } from './freeze.js';

function requireManager(ctx: HiveContext, caller: string, call: string): void {
  if (caller !== ctx.config.managerName) throw new ForbiddenError(`${call} is manager-only: ${caller} is not ${ctx.config.managerName}`);
}

function queued(ctx: HiveContext, a: Approval) {
  ctx.bus.emit('ApprovalQueued', a.agent, { id: a.id, agent: a.agent, kind: a.kind, sha: a.sha });
  return { approval_id: a.id, fetched_sha: a.fetched_sha };
}

/**
 * The operator's proposal policy for `name` (`<state>/policy/<name>.json`, outside every agent
 * bind: the manager cannot relax it). Used by both requests and by spawn's first commit.
 */
export function agentPolicy(ctx: HiveContext, name: string) {
  return readAgentPolicy(ctx.layout.root, name);
}

/** Manager call: seed a new agent's proposed repo and queue its first approval (approve = spawn). */
export function requestInitConfig(ctx: HiveContext, caller: string, name: string) {
  requireManager(ctx, caller, 'request_init_config');
  validateAgentName(name);
  return ctx.locks.run(name, async () => {
    if (ctx.store.getAgent(name)) throw new AgentExistsError(name);
    const open = ctx.store.listApprovals({ agent: name }).find((a) => a.kind === 'init' && (a.status === 'pending' || a.status === 'building'));
    if (open) throw new ApprovalResolvedError(open.id, `queued for ${name}'s first config`);
    const dir = ctx.layout.proposed(name);
    const policy = agentPolicy(ctx, name);
    await setupProposed({ dir, name });
    // The manager may have made that repo itself: its main is checked like any proposal, in a
    // daemon-owned copy, before a row exists (a refusal queues nothing).
    const sha = await readProposedMain(dir);
    await withFetchedCommit(dir, sha, (copy, full) => checkProposal(copy, full, policy));
    const a = await ctx.locks.run(APPROVAL_ID_LOCK, async () =>
      ctx.store.insertApproval({ id: ctx.store.nextApprovalId(), agent: name, kind: 'init', commit_ref: sha, fetched_sha: sha }),
    );
    return queued(ctx, a);
  });
}

/** Manager call: pull `sha` from the agent's proposed repo into applied as proposal/<id> and queue it. */
export async function requestApplyCommit(ctx: HiveContext, caller: string, name: string, sha: string) {
  requireManager(ctx, caller, 'request_apply_commit');
  validateAgentName(name);
  if (!ctx.store.getAgent(name)) throw new AgentNotFoundError(name);
  const applied = ctx.layout.applied(name);
  const policy = agentPolicy(ctx, name);
  const a = await ctx.locks.run(APPROVAL_ID_LOCK, async () => {
    const id = ctx.store.nextApprovalId();
    const tag = proposalTag(id);
    // The policy runs on a daemon-owned copy first: a refused proposal leaves applied untouched (no tag, no objects).
    // The tree it checked is what "undone" is judged by: a re-proposal of a rolled-back config is shown as one.
    let tree: string | null = null;
    const check = async (copy: string, full: string) => {
      tree = (await checkProposal(copy, full, policy)).tree;
    };
    const fetch = () => fetchToTag({ repo: applied, from: ctx.layout.proposed(name), sha, tag, check, keep: ctx.layout.proposalCache(name) });
    const fetched = await fetch().catch(async (e: unknown) => {
      // A proposal tag without a row is left from a daemon killed mid-request: that id was never handed out.
      if (!(e instanceof TagExistsError)) throw e;
      await git(applied, ['tag', '-d', tag]);
      return fetch();
    });
    return ctx.store.insertApproval({ id, agent: name, kind: 'apply', commit_ref: sha, fetched_sha: fetched, tree });
  });
  return queued(ctx, a);
}

function getApproval(ctx: HiveContext, id: number): Approval {
  const a = Number.isSafeInteger(id) && id > 0 ? ctx.store.getApproval(id) : undefined;
  if (!a) throw new ApprovalNotFoundError(id);
  return a;
}

/**
 * `main..proposal/<id>` in the applied repo: every file the deploy would change. An init approval
 * is EMPTY_TREE..sha, never computed in the (manager-writable) proposed repo: in applied once it
 * exists, before that in a daemon-owned copy of exactly that commit (what spawn will fetch).
 */
export async function approvalDiff(ctx: HiveContext, id: number): Promise<ApprovalDiff> {
  const a = getApproval(ctx, id);
  if (a.kind === 'init') return initDiff(ctx, a);
  const applied = ctx.layout.applied(a.agent);
  if (!existsSync(applied)) return { text: '(applied repo is gone: the agent was purged)', files: [], truncated: false };
  const d = await diff(applied, 'refs/heads/main', `refs/tags/${proposalTag(id)}`);
  if (d.files.length === 0) return { ...d, text: '(proposal matches currently-deployed tree)' };
  return d;
}

async function initDiff(ctx: HiveContext, a: Approval): Promise<ApprovalDiff> {
  const sha = a.fetched_sha ?? a.commit_ref;
  const applied = ctx.layout.applied(a.agent);
  const first = deployedTag(0);
  if (existsSync(applied) && (await tagExists(applied, first))) {
    const deployed = await revParse(applied, `refs/tags/${first}`);
    if (deployed === sha) return diff(applied, EMPTY_TREE, `refs/tags/${first}`);
  }
  return withFetchedCommit(ctx.layout.proposed(a.agent), sha, (copy, full) => diff(copy, EMPTY_TREE, full));
}

/** Records an approval's end and tells everyone (ApprovalResolved). */
export function resolved(ctx: HiveContext, a: Approval, r: { status: 'deployed' | 'failed' | 'denied'; terminal_tag: string | null; note: string | null }) {
  const out = ctx.store.resolveApproval(a.id, r);
  ctx.bus.emit('ApprovalResolved', a.agent, { id: a.id, agent: a.agent, status: r.status, terminal_tag: r.terminal_tag, note: r.note });
  return out;
}

/** Approve: run the build; answers when it ends. A second approve of the same id is a 409, never a second build. */
export async function approve(ctx: HiveContext, id: number): Promise<Approval> {
  const a = getApproval(ctx, id);
  if (a.status !== 'pending') throw new ApprovalResolvedError(id, a.status);
  assertThawed(ctx);
  return ctx.locks.run(a.agent, async () => {
    assertThawed(ctx); // a freeze while this approve waited for the agent's lock still holds it
    if (!ctx.store.claimForBuild(id)) throw new ApprovalResolvedError(id, getApproval(ctx, id).status);
    ctx.bus.emit('ApprovalBuilding', a.agent, { id, agent: a.agent });
    if (a.kind === 'init') return runInit(ctx, a);
    try {
      return await runApplyCommit(ctx, a);
    } catch (e) {
      // Not a build failure (handled inside) but git or the repo itself (e.g. the agent was purged
      // meanwhile): reconcile from the tags now rather than leave the approval `building` until a restart.
      await recoverApply(ctx, { ...a, status: 'building' }, `the deploy could not run: ${(e as Error).message}`);
      if (ctx.store.getAgent(a.agent)) ctx.store.setAgentStatus(a.agent, (await ctx.runtime.status(a.agent)) === 'running' ? 'running' : 'crashed');
      return getApproval(ctx, id);
    }
  });
}

async function runInit(ctx: HiveContext, a: Approval): Promise<Approval> {
  try {
    await spawnLocked(ctx, a.agent, { sha: a.fetched_sha ?? a.commit_ref });
    return resolved(ctx, a, { status: 'deployed', terminal_tag: deployedTag(0), note: null });
  } catch (e) {
    return resolved(ctx, a, { status: 'failed', terminal_tag: null, note: (e as Error).message });
  }
}

/** An apply approval through the pipeline; the approval resolves as its outcome. */
async function runApplyCommit(ctx: HiveContext, a: Approval): Promise<Approval> {
  const out = await deploy(ctx, { agent: a.agent, id: a.id, sha: a.fetched_sha!, tree: a.tree });
  if (out.ok) return resolved(ctx, a, { status: 'deployed', terminal_tag: out.terminalTag, note: null });
  if (out.reverted) autoReverted(ctx, a, out.reverted, out.error);
  return resolved(ctx, a, { status: 'failed', terminal_tag: out.terminalTag, note: out.error });
}

/** A deploy the health gate took back: its tree is marked, and everyone hears the agent is back on `to`. */
export function autoReverted(ctx: HiveContext, a: Approval, r: { to: string | null; failed: string }, why: string): void {
  if (a.tree) ctx.store.markUndone({ tree: a.tree, agent: a.agent, how: 'auto-reverted', by: a.id, why });
  if (r.to) ctx.bus.emit('RolledBack', a.agent, { id: a.id, agent: a.agent, to: r.to, from: null, sha: a.fetched_sha ?? a.commit_ref, auto: true });
}

/** Deny: annotated denied/<id> carrying the operator's reason. */
export async function deny(ctx: HiveContext, id: number, reason: string): Promise<Approval> {
  const a = getApproval(ctx, id);
  if (a.status !== 'pending') throw new ApprovalResolvedError(id, a.status);
  return ctx.locks.run(a.agent, async () => {
    const now = getApproval(ctx, id);
    if (now.status !== 'pending') throw new ApprovalResolvedError(id, now.status);
    if (a.kind === 'apply') await plantDenied(ctx.layout.applied(a.agent), id, reason);
    return resolved(ctx, a, { status: 'denied', terminal_tag: a.kind === 'apply' ? deniedTag(id) : null, note: reason });
  });
}
