import { git, runGit } from './git.js';
import { assertRev } from './refs.js';
import { RefNotFoundError } from './errors.js';
import { deployedTag, proposalTag } from './approval-tags.js';
import { revParse } from './repo.js';
import { listTags, tagExists } from './tags.js';

/** The approval ids with a deployed/<id> tag in an applied repo, ascending (deployed/0 is the first spawn). */
export async function deployedIds(repo: string): Promise<number[]> {
  return (await listTags(repo, 'deployed/*'))
    .map((t) => Number(t.slice('deployed/'.length)))
    .filter((n) => Number.isSafeInteger(n) && n >= 0)
    .sort((a, b) => a - b);
}

/** The highest deployed/<id>: what the agent runs. Null when none exists. */
export async function latestDeployedTag(repo: string): Promise<string | null> {
  const ids = await deployedIds(repo);
  return ids.length ? deployedTag(ids[ids.length - 1]!) : null;
}

/** The deployed tag before `current` (by id), or null when `current` is the first. */
export async function previousDeployedTag(repo: string, current: string): Promise<string | null> {
  const n = Number(current.slice('deployed/'.length));
  const before = (await deployedIds(repo)).filter((id) => id < n);
  return before.length ? deployedTag(before[before.length - 1]!) : null;
}

/** The tree sha a commit-ish names (`deployed/3`, a full sha). */
export async function treeOf(repo: string, rev: string): Promise<string> {
  assertRev(rev);
  const r = await runGit(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{tree}`], { allowFailure: true });
  const sha = r.stdout.trim();
  if (r.exitCode !== 0 || !sha) throw new RefNotFoundError(rev, repo);
  return sha;
}

/**
 * A rollback as history that only grows: a new commit whose tree is `to`'s and whose parent is
 * the current main, pinned as proposal/<id> so the pipeline deploys it like any approval.
 * Plumbing only (commit-tree, tag): no hooks, no working tree touched. Returns the commit's sha.
 */
export async function plantRollbackProposal(repo: string, o: { id: number; to: string; message: string }): Promise<string> {
  const tag = proposalTag(o.id);
  const tree = await treeOf(repo, `refs/tags/${o.to}`);
  const main = await revParse(repo, 'refs/heads/main');
  // Left by a daemon killed between commit and row: that id was never handed out.
  if (await tagExists(repo, tag)) await git(repo, ['tag', '-d', tag]);
  const sha = (await git(repo, ['commit-tree', '--no-gpg-sign', '-p', main, '-F', '-', tree], { input: o.message.trim() + '\n' })).trim();
  await git(repo, ['update-ref', `refs/tags/${tag}`, sha, '0'.repeat(40)]);
  return sha;
}
