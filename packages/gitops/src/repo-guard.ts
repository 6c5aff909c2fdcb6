import { lstatSync, type Stats } from 'node:fs';
import path from 'node:path';
import { NotARepositoryError, UnsafeRepoError } from './errors.js';

// Paths inside `.git` that would make git read or write somewhere else than this repo.
const BORROWING = [
  ['objects/info/alternates', 'a proposed repo may not borrow objects from other repos'],
  ['objects/info/http-alternates', 'a proposed repo may not borrow objects from other repos'],
  ['commondir', 'a proposed repo may not be a linked worktree of another repo'],
] as const;

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return null;
    throw e;
  }
}

function realDir(dir: string, rel: string, what: string): void {
  const st = lstatOrNull(path.join(dir, rel));
  if (!st) throw new UnsafeRepoError(dir, `${rel || 'it'} does not exist (${what})`);
  if (st.isSymbolicLink()) throw new UnsafeRepoError(dir, `${rel || 'it'} is a symlink (${what} must be a real directory)`);
  if (!st.isDirectory()) throw new UnsafeRepoError(dir, `${rel || 'it'} is not a directory (${what})`);
}

/**
 * Refuses a repo an agent can write unless it is a plain one: `dir` and its `.git` real
 * directories (no symlink, no gitfile), its objects its own (no alternates), config no symlink.
 * Call it before any git process touches such a repo; one-line UnsafeRepoError naming the file.
 */
export function assertPlainRepo(dir: string): void {
  const abs = path.resolve(dir);
  const parent = lstatOrNull(path.dirname(abs));
  if (parent?.isSymbolicLink()) throw new UnsafeRepoError(abs, `its parent ${path.dirname(abs)} is a symlink`);
  const dotGit = lstatOrNull(path.join(abs, '.git'));
  if (!dotGit && !lstatOrNull(abs)?.isSymbolicLink()) throw new NotARepositoryError(dir);
  realDir(abs, '', 'the repo');
  if (dotGit && dotGit.isFile()) throw new UnsafeRepoError(abs, '.git is a file (a gitfile pointing elsewhere): remove it');
  realDir(abs, '.git', 'the git dir');
  realDir(abs, '.git/objects', 'the object store');
  const info = lstatOrNull(path.join(abs, '.git/objects/info'));
  if (info?.isSymbolicLink()) throw new UnsafeRepoError(abs, '.git/objects/info is a symlink: remove it');
  for (const [rel, why] of BORROWING) {
    if (lstatOrNull(path.join(abs, '.git', rel))) throw new UnsafeRepoError(abs, `.git/${rel} exists (${why}): remove it`);
  }
  for (const rel of ['.git/refs', '.git/refs/heads']) {
    if (lstatOrNull(path.join(abs, rel))?.isSymbolicLink()) throw new UnsafeRepoError(abs, `${rel} is a symlink: remove it`);
  }
  const config = lstatOrNull(path.join(abs, '.git/config'));
  if (config && !config.isFile()) throw new UnsafeRepoError(abs, '.git/config is not a regular file: remove it');
}
