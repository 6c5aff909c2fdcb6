import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { GitError, RefMovedError, RefNotFoundError } from './errors.js';
import { git, runGit } from './git.js';
import { assertFullRef, assertRev } from './refs.js';

/** True when `dir` itself holds a git repository (not merely sits inside one). */
export function isRepo(dir: string): boolean {
  return existsSync(path.join(dir, '.git'));
}

/** git init on branch main with a repo-local identity, signing and background gc off; idempotent. Daemon-owned dirs only. */
export async function initRepo(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  if (!isRepo(dir)) await git(dir, ['init', '-q', '-b', 'main']);
  // Repo-local too, so a human running plain `git` in here gets the same behaviour.
  for (const [k, v] of [
    ['user.name', 'hyperhive'],
    ['user.email', 'hive@hyperhive.invalid'],
    ['commit.gpgSign', 'false'],
    ['tag.gpgSign', 'false'],
    ['gc.auto', '0'],
  ] as const) {
    await git(dir, ['config', k, v]);
  }
}

/**
 * Stages everything and commits it; returns the new sha, or null when nothing changed. Porcelain that
 * applies the repo's attributes and filters: only for daemon-owned repos, never one an agent can write.
 */
export async function commitAll(repo: string, message: string): Promise<string | null> {
  await git(repo, ['add', '-A']);
  const staged = await runGit(repo, ['diff', '--cached', '--quiet'], { allowFailure: true });
  if (staged.exitCode === 0) return null;
  // Message on stdin: no quoting games, and a leading "-" cannot turn into an option.
  await git(repo, ['commit', '-q', '--no-verify', '--cleanup=whitespace', '-F', '-'], { input: message });
  return revParse(repo, 'HEAD');
}

/** The full sha of `ref^{commit}`; RefNotFoundError when it names no commit. */
export async function revParse(repo: string, ref: string): Promise<string> {
  assertRev(ref);
  const r = await runGit(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    allowFailure: true,
  });
  const sha = r.stdout.trim();
  if (r.exitCode !== 0 || !sha) throw new RefNotFoundError(ref, repo);
  return sha;
}

/** The full sha `ref` points at, or null when it does not exist (no peeling). */
export async function readRef(repo: string, ref: string): Promise<string | null> {
  assertRev(ref);
  const r = await runGit(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', ref], { allowFailure: true });
  return r.exitCode === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** Makes the working tree and index match `ref` without moving HEAD (`git read-tree --reset -u`). */
export async function readTreeReset(repo: string, ref: string): Promise<void> {
  assertRev(ref);
  // One process on the normal path; a failure asks rev-parse, so a missing ref is still RefNotFoundError.
  const r = await runGit(repo, ['read-tree', '--reset', '-u', `${ref}^{commit}`], { allowFailure: true });
  if (r.exitCode === 0) return;
  const sha = await revParse(repo, ref);
  await git(repo, ['read-tree', '--reset', '-u', sha]);
}

/** Points `ref` (a full refs/… name) at `newSha`; with `oldSha`, only if it still points there (RefMovedError otherwise). */
export async function updateRef(repo: string, ref: string, newSha: string, oldSha?: string): Promise<void> {
  assertFullRef(ref);
  const target = await revParse(repo, newSha);
  if (oldSha === undefined) {
    await git(repo, ['update-ref', '-m', `hyperhive: ${ref}`, ref, target]);
    return;
  }
  assertRev(oldSha, 'expected old sha');
  const args = ['update-ref', '-m', `hyperhive: ${ref}`, ref, target, oldSha];
  const r = await runGit(repo, args, { allowFailure: true });
  if (r.exitCode === 0) return;
  const actual = await readRef(repo, ref);
  // An all-zero old value means "must not exist yet".
  const expected = /^0+$/.test(oldSha) ? null : oldSha.toLowerCase();
  if (expected === null ? actual !== null : !actual?.startsWith(expected)) throw new RefMovedError(ref, oldSha, actual);
  throw new GitError(args, r.stderr);
}

/** Puts the working tree back to refs/heads/main (HEAD unmoved) and removes untracked files. */
export async function resetWorkingTreeToMain(repo: string): Promise<void> {
  await readTreeReset(repo, 'refs/heads/main');
  await git(repo, ['clean', '-f', '-d', '-q']);
}
