import {
  deployedTag,
  failedTag,
  latestDeployedTag,
  plantDeployedOnMain,
  plantFailed,
  proposalTag,
  readTreeReset,
  resetWorkingTreeToMain,
  revParse,
  stampApproved,
  updateRef,
} from '@hive/gitops';
import { abortDeploy, finalizeDeploy, lockedRev, prepareDeploy, stageDeploy, type StagedDeploy } from '@hive/metaflake';
import { META_LOCK, runtimeAgent, type HiveContext } from './context.js';
import { settingsOf } from './lifecycle.js';
import { checkHealth, recordHealth } from './health.js';
import type { PipelineStep } from './pipeline-steps.js';

export { PIPELINE_STEPS, type PipelineStep, type StepObserver } from './pipeline-steps.js';

/** What one run deploys: `proposal/<id>` in the agent's applied repo must name `sha`. */
export interface DeployTarget {
  agent: string;
  /** The approval id the tags are planted under (a rollback deploys an old tree under a new id). */
  id: number;
  /** Full sha of the commit `proposal/<id>` names. */
  sha: string;
  /** Its tree, when known (a tree deployed on purpose is no longer marked undone). */
  tree?: string | null;
}

/** `reverted`: the build passed but the health check did not, and the agent is back on main's tree. */
export type DeployOutcome =
  | { ok: true; terminalTag: string }
  | { ok: false; terminalTag: string; error: string; reverted?: { to: string | null; failed: string } };

/**
 * The approval pipeline: stamp → read-tree → prepare → build → health → deployed → main → finalize,
 * or fail; then the agent's row and a `Rebuilt` event. The health gate runs before main moves, so a
 * config that breaks the agent never becomes main: failing it takes the fail step and puts the agent
 * back on main's tree (the previous deploy). A build error is an outcome (failed/<id>); anything
 * else throws, and the caller reconciles from the tags (`recoverApply`). Caller holds the agent lock.
 */
export async function deploy(ctx: HiveContext, t: DeployTarget): Promise<DeployOutcome> {
  const applied = ctx.layout.applied(t.agent);
  // Each step's wall time goes to the log with the outcome (and to the bench, which reads it there).
  const began = performance.now();
  let last = began;
  const stepMs: Partial<Record<PipelineStep, number>> = {};
  const step = (s: PipelineStep) => {
    const now = performance.now();
    stepMs[s] = Math.round(now - last);
    last = now;
    ctx.fault(s);
  };
  ctx.store.setAgentStatus(t.agent, 'building');
  // What main was when this run began: the deploy moves it only from here (compare-and-swap).
  const mainWas = await revParse(applied, 'refs/heads/main');
  await stampApproved(applied, t.id, t.sha);
  step('stamp');
  await readTreeReset(applied, `refs/tags/${proposalTag(t.id)}`);
  step('read-tree');
  // The working tree now is what gets deployed and nothing rewrites it before the deploy ends. The
  // process runtime's build reads only this tree, not the meta flake: it runs beside nix's lock below,
  // and its settings are the ones recorded; other runtimes read them beside the lock (null when
  // unreadable: keep the last known model).
  const agent = runtimeAgent(ctx, t.agent);
  const checked = ctx.runtime.checkTree?.(agent);
  checked?.catch(() => undefined); // awaited after prepare, which may fail first
  const settings = checked ? checked.catch(() => null) : settingsOf(ctx, t.agent);
  // The meta lock is held from prepare to finalize/fail: flake.lock is uncommitted in between.
  const outcome = await ctx.locks.run(META_LOCK, async (): Promise<DeployOutcome> => {
    // A prepare or build error is the outcome; the observer runs outside, so nothing it does counts as one.
    let staged: Promise<StagedDeploy> | undefined;
    let error = await errorOf(async () => {
      const prepared = await prepareDeploy(ctx.meta, { name: t.agent, sha: t.sha });
      // flake.lock is final: its meta commit is written beside the switch and the health gate (main
      // moves only after both); a failure below waits for it, then drops it.
      const writing = stageDeploy(ctx.meta, { name: t.agent, id: t.id, sha: t.sha, prepared });
      writing.catch(() => undefined);
      staged = writing;
    });
    const settled = () => staged?.then(() => undefined, () => undefined);
    if (error === null) {
      step('prepare');
      error = await errorOf(async () => ctx.runtime.update(agent, checked ? { checked: await checked } : {}));
    }
    if (error !== null) {
      await settled();
      await failLocked(ctx, t, error);
      step('fail');
      return { ok: false, terminalTag: failedTag(t.id), error };
    }
    step('build');
    const healthMs = ((await settings)?.healthTimeout ?? ctx.config.healthTimeout) * 1000;
    if (healthMs > 0) {
      const health = await checkHealth(ctx, t.agent, { timeoutMs: healthMs });
      recordHealth(ctx, t.agent, health, t.id);
      if (!health.ok) {
        await settled();
        return revertLocked(ctx, t, health.failed ?? 'unknown');
      }
      step('health');
    }
    // The commit point: deployed/<id> and main's compare-and-swap land in one ref transaction.
    await plantDeployedOnMain(applied, t.id, mainWas, t.sha);
    step('deployed');
    // main is now the commit read-tree checked out above: the working tree already is main's.
    step('main');
    await finalizeDeploy(ctx.meta, { name: t.agent, id: t.id, sha: t.sha, staged: await staged! });
    step('finalize');
    return { ok: true, terminalTag: deployedTag(t.id) };
  });
  const status = (await ctx.runtime.status(t.agent)) === 'running' ? 'running' : 'crashed';
  ctx.log.info({ agent: t.agent, approval: t.id, outcome: outcome.terminalTag, ms: Math.round(performance.now() - began), steps: stepMs }, 'deploy steps');
  if (outcome.ok) {
    if (t.tree) ctx.store.clearUndone(t.tree);
    ctx.store.upsertAgent(t.agent, { status, deployed_tag: outcome.terminalTag, model: (await settings)?.model ?? null });
    ctx.bus.emit('Rebuilt', t.agent, { agent: t.agent, ok: true, terminal_tag: outcome.terminalTag });
  } else {
    ctx.store.setAgentStatus(t.agent, status);
    ctx.bus.emit('Rebuilt', t.agent, { agent: t.agent, ok: false, terminal_tag: outcome.terminalTag, error: outcome.error });
  }
  return outcome;
}

/**
 * Recovery of a run that planted deployed/<id> and died: main → finalize, each a no-op when done.
 * A lock left uncommitted is dropped first; a deploy already committed is not committed twice.
 */
export async function resumeDeployed(ctx: HiveContext, t: DeployTarget): Promise<void> {
  await moveMain(ctx, t);
  ctx.fault('main');
  await ctx.locks.run(META_LOCK, async () => {
    await abortDeploy(ctx.meta);
    if ((await lockedRev(ctx.meta.metaDir, t.agent)) !== t.sha) {
      await prepareDeploy(ctx.meta, { name: t.agent, sha: t.sha });
      await finalizeDeploy(ctx.meta, { name: t.agent, id: t.id, sha: t.sha });
    }
  });
  ctx.fault('finalize');
}

/** The fail step outside a run (recovery): plants failed/<id> with `note` unless null, then resets the tree and the meta lock. */
export async function failDeploy(ctx: HiveContext, t: DeployTarget, note: string | null): Promise<void> {
  await ctx.locks.run(META_LOCK, () => failLocked(ctx, t, note));
  ctx.fault('fail');
}

/**
 * The health gate said no: failed/<id> with why, the tree and meta lock back to main, and the
 * runtime updated again so the agent runs main's tree (what deployed before). Caller holds the meta lock.
 */
async function revertLocked(ctx: HiveContext, t: DeployTarget, failed: string): Promise<DeployOutcome> {
  const to = await latestDeployedTag(ctx.layout.applied(t.agent));
  let error = `health check failed: ${failed} — reverted to ${to ?? 'main'}`;
  await failLocked(ctx, t, error);
  const back = await errorOf(() => ctx.runtime.update(runtimeAgent(ctx, t.agent)));
  if (back !== null) error += `, but the agent did not come back: ${back.split('\n')[0]}`;
  ctx.fault('fail');
  return { ok: false, terminalTag: failedTag(t.id), error, reverted: { to, failed } };
}

/** failed/<id> (when `note` is given), the applied tree back to main, flake.lock back to meta's HEAD. Caller holds the meta lock. */
async function failLocked(ctx: HiveContext, t: DeployTarget, note: string | null): Promise<void> {
  const applied = ctx.layout.applied(t.agent);
  if (note !== null) await plantFailed(applied, t.id, note);
  await resetWorkingTreeToMain(applied);
  await abortDeploy(ctx.meta);
}

/** main → sha only if main has not moved meanwhile (compare-and-swap), and the tree follows; a no-op when already there. */
async function moveMain(ctx: HiveContext, t: DeployTarget): Promise<void> {
  const applied = ctx.layout.applied(t.agent);
  const main = await revParse(applied, 'refs/heads/main');
  if (main !== t.sha) await updateRef(applied, 'refs/heads/main', t.sha, main);
  await readTreeReset(applied, 'refs/heads/main');
}

/** null when `run` succeeds, else its error as the text failed/<id> carries. */
async function errorOf(run: () => Promise<unknown>): Promise<string | null> {
  try {
    await run();
    return null;
  } catch (e) {
    return buildErrorText(e as Error);
  }
}

/** The full build error (nix's stderr when there is one), bounded. */
function buildErrorText(e: Error): string {
  const stderr = (e as { stderr?: unknown }).stderr;
  const full = typeof stderr === 'string' ? stderr.trim() : '';
  // The message is usually stderr's first error line: don't say it twice.
  const text = !full ? e.message : full.includes(e.message) ? full : `${e.message}\n\n${full}`;
  return text.length > 16_000 ? text.slice(0, 16_000) + '\n… (truncated)' : text;
}
