import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { runNix } from '@hive/core';
import { RefNotFoundError, git, revParse, runGit } from '@hive/gitops';
import { AgentNotInMetaError } from './errors.js';
import { readText } from './lock.js';

// Git runs through @hive/gitops (one runner: fixed identity, no hooks, filters or replace objects).
// Nothing in this package locks the meta repo: its one writer, the daemon, holds META_LOCK across
// each whole transaction (prepare → build → finalize | abort spans several calls here, and only the
// caller knows where it ends). commitMeta's compare-and-swap still refuses a writer that ignores that.
export const FLAKE = 'flake.nix';
export const LOCK = 'flake.lock';
const MAIN = 'refs/heads/main';

/** git-inits the meta repo on first use and keeps HEAD on main, where the deploy history lives. */
export async function ensureMetaRepo(metaDir: string): Promise<void> {
  await mkdir(metaDir, { recursive: true });
  // Checked on disk, not with git: a meta dir inside another checkout must still get its own repo.
  if (!existsSync(path.join(metaDir, '.git'))) await git(metaDir, ['init', '-q', '-b', 'main']);
  // The common case read as a file (one git process less on every meta write); anything else asks git.
  if ((await readText(path.join(metaDir, '.git', 'HEAD'))) === `ref: ${MAIN}\n`) return;
  const sym = await runGit(metaDir, ['symbolic-ref', '-q', 'HEAD'], { allowFailure: true });
  if (sym.exitCode === 0 && sym.stdout.trim() === MAIN) return;
  // Detached or on another branch (changed on the side): keep that commit as main if main is gone.
  const detached = await resolveCommit(metaDir, 'HEAD');
  if (detached && !(await metaHead(metaDir))) {
    await dropBrokenMain(metaDir);
    await git(metaDir, ['update-ref', MAIN, detached]);
  }
  await git(metaDir, ['symbolic-ref', 'HEAD', MAIN]);
}

/** The commit main points at, or null (fresh repo, or a ref broken on the side). */
export function metaHead(metaDir: string): Promise<string | null> {
  return resolveCommit(metaDir, MAIN);
}

/**
 * Puts the index and working tree back to main's commit, dropping side edits and any uncommitted
 * (prepared) lock; returns that commit, or null when main has none, leaving an empty index.
 */
export async function restoreHead(metaDir: string): Promise<string | null> {
  const head = await metaHead(metaDir);
  if (head) {
    // Only when something differs: a clean repo is left byte-for-byte alone.
    const clean = await runGit(metaDir, ['diff-index', '--quiet', head, '--'], { allowFailure: true });
    if (clean.exitCode !== 0) await git(metaDir, ['reset', '-q', '--hard', head]);
    return head;
  }
  await dropBrokenMain(metaDir);
  await git(metaDir, ['read-tree', '--empty']);
  return null;
}

/** A garbage loose main ref makes every update-ref fail: remove it so the next commit recreates main. */
async function dropBrokenMain(metaDir: string): Promise<void> {
  await rm(path.join(metaDir, '.git', 'refs', 'heads', 'main'), { force: true });
}

/** The meta repo restored to its last commit; throws AgentNotInMetaError(null) when it was never synced. */
export async function openSyncedMeta(metaDir: string): Promise<string> {
  if (!existsSync(path.join(metaDir, '.git'))) throw new AgentNotInMetaError(null);
  await ensureMetaRepo(metaDir);
  const head = await restoreHead(metaDir);
  if (!head) throw new AgentNotInMetaError(null);
  return head;
}

/** A file's content at a commit, or null when it is not there. */
export async function showAt(metaDir: string, commit: string, file: string): Promise<string | null> {
  const r = await runGit(metaDir, ['show', `${commit}:${file}`], { allowFailure: true });
  return r.exitCode === 0 ? r.stdout : null;
}

/**
 * Stages `files` and commits the index onto `parent` as main. Without `allowEmpty`, an unchanged
 * tree makes no commit. Plumbing, so a broken HEAD or a detached checkout cannot get in the way.
 */
export async function commitMeta(
  metaDir: string,
  o: { files: string[]; message: string; parent: string | null; allowEmpty?: boolean },
): Promise<{ changed: boolean; sha: string }> {
  const c = await writeMetaCommit(metaDir, o);
  if (c === null) return { changed: false, sha: o.parent! };
  await landMetaCommit(metaDir, c);
  return { changed: true, sha: c.sha };
}

/** A meta commit written but not yet on main: `sha` on top of `parent`. */
export interface MetaCommit {
  sha: string;
  parent: string | null;
}

/** commitMeta's first half: stage and write the commit object, main untouched; null when the tree is unchanged (without `allowEmpty`). */
export async function writeMetaCommit(
  metaDir: string,
  o: { files: string[]; message: string; parent: string | null; allowEmpty?: boolean },
): Promise<MetaCommit | null> {
  const present = o.files.filter((f) => existsSync(path.join(metaDir, f)));
  if (present.length) await git(metaDir, ['add', '--', ...present]);
  const missing = o.files.filter((f) => !present.includes(f));
  if (missing.length) await git(metaDir, ['rm', '-q', '--cached', '--ignore-unmatch', '--', ...missing]);
  const tree = await git(metaDir, ['write-tree']);
  if (o.parent && !o.allowEmpty) {
    const parentTree = await git(metaDir, ['rev-parse', `${o.parent}^{tree}`]);
    if (parentTree === tree) return null;
  }
  const args = ['commit-tree', tree, ...(o.parent ? ['-p', o.parent] : []), '-F', '-'];
  return { sha: await git(metaDir, args, { input: o.message + '\n' }), parent: o.parent };
}

/** commitMeta's second half: main moves to the commit, compare-and-swap on its parent. */
export async function landMetaCommit(metaDir: string, c: MetaCommit): Promise<void> {
  // A concurrent writer makes this fail rather than lose a commit.
  await git(metaDir, ['update-ref', MAIN, c.sha, ...(c.parent ? [c.parent] : [])]);
}

/** The full sha `rev` names as a commit in `repo` (the meta repo or an applied one), or null. */
export async function resolveCommit(repo: string, rev: string): Promise<string | null> {
  try {
    return await revParse(repo, rev);
  } catch (e) {
    if (e instanceof RefNotFoundError) return null;
    throw e;
  }
}

/** `nix flake lock` on the meta flake with extra flags (overrides, single-input updates). */
export async function nixLock(metaDir: string, extra: string[] = []): Promise<void> {
  await runNix(['flake', 'lock', ...extra, metaDir], { cwd: metaDir });
}
