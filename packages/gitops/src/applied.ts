import { existsSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PreOverhaulLayoutError, RefNotFoundError } from './errors.js';
import { assertCommit } from './inspect.js';
import { git, runGit } from './git.js';
import { deployedTag } from './approval-tags.js';
import { disposeSnapshot, snapshotObjects } from './object-snapshot.js';
import { checkProposal, type ProposalPolicy } from './proposal-policy.js';
import { assertSha } from './refs.js';
import { assertPlainRepo } from './repo-guard.js';
import { initRepo, isRepo } from './repo.js';
import { tagExists } from './tags.js';

export interface SetupAppliedOptions {
  /** The applied repo, normally `<state>/applied/<name>`; its basename is the agent name in messages. */
  dir: string;
  /** The proposed repo whose `main` becomes the first deployed commit. */
  proposedDir: string;
  /** Deploy this commit of proposed instead of its main (an init approval deploys the sha it showed). */
  sha?: string;
  /** The agent's proposal policy (readAgentPolicy); the first commit must pass it too. Default: the defaults. */
  policy?: Partial<ProposalPolicy>;
}

/** First spawn: create the applied repo from proposed's main and tag deployed/0. Later calls: check and do nothing. */
export async function setupApplied(o: SetupAppliedOptions): Promise<{ created: boolean }> {
  const dir = path.resolve(o.dir);
  const agent = path.basename(dir);
  if (existsSync(dir) && !isEmptyDir(dir)) {
    if (isRepo(dir) && (await tagExists(dir, deployedTag(0)))) return { created: false };
    throw new PreOverhaulLayoutError(dir, agent);
  }
  // The proposed repo is the manager's: git only ever runs in a copy of its objects.
  const main = o.sha ? assertSha(o.sha) : await readProposedMain(o.proposedDir);
  // Build beside the target and rename into place, so a crash never leaves a repo without deployed/0
  // (which the next spawn would mistake for a pre-overhaul layout).
  const tmp = path.join(path.dirname(dir), `.${agent}.setup-${process.pid}-${Date.now()}`);
  try {
    await initRepo(tmp);
    // --update-head-ok: main is the (unborn) current branch of this fresh repo.
    const snap = await snapshotObjects(o.proposedDir);
    try {
      await assertCommit(snap, main, o.proposedDir);
      await git(tmp, ['fetch', '--quiet', '--no-tags', '--update-head-ok', snap, `${main}:refs/heads/main`]);
    } finally {
      disposeSnapshot(snap);
    }
    // Checked before the checkout: a refused tree (.gitattributes, symlinks…) is never written out.
    await checkProposal(tmp, 'refs/heads/main', o.policy);
    await git(tmp, ['checkout', '-q', '-f', 'main']);
    await git(tmp, ['tag', '--no-sign', '--', deployedTag(0), main]);
    if (existsSync(dir)) rmdirSync(dir); // only ever an empty dir here
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { created: true };
}

/** proposed's refs/heads/main (full sha), read with plumbing after the plain-repo checks. */
export async function readProposedMain(proposedDir: string): Promise<string> {
  assertPlainRepo(proposedDir);
  const r = await runGit(proposedDir, ['rev-parse', '--verify', '--quiet', 'refs/heads/main^{commit}'], { allowFailure: true, isolated: true });
  if (r.exitCode !== 0) throw new RefNotFoundError('refs/heads/main', proposedDir);
  return assertSha(r.stdout.trim());
}

function isEmptyDir(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch {
    return false; // a file, or unreadable: not ours to replace
  }
}
