import { closeSync, constants, copyFileSync, fstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnsafeRepoError } from './errors.js';
import { git } from './git.js';
import { assertPlainRepo } from './repo-guard.js';
import { at, openDirNoFollow, withDirAt } from './safe-fs.js';

/** Most bytes / files copied out of an agent's repo per request. */
export const SNAPSHOT_MAX_BYTES = 256 * 1024 * 1024;
export const SNAPSHOT_MAX_FILES = 50_000;

// O_NONBLOCK: a FIFO planted under an object name must not hang the daemon on open.
const NOFOLLOW_FILE = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const LOOSE_DIR = /^[0-9a-f]{2}$/;
const LOOSE = /^(?:[0-9a-f]{38}|[0-9a-f]{62})$/;
const PACK = /^pack-(?:[0-9a-f]{40}|[0-9a-f]{64})\.(?:pack|idx)$/;

/**
 * Copies the objects of an agent-writable repo (loose objects and packs, regular files only;
 * no alternates, config, hooks or refs) into a fresh daemon-owned bare repo, so git then runs in
 * a repo the agent cannot touch. The caller removes the returned dir (`disposeSnapshot`).
 */
export async function snapshotObjects(repo: string): Promise<string> {
  const abs = path.resolve(repo);
  assertPlainRepo(abs);
  const out = mkdtempSync(path.join(os.tmpdir(), 'hive-snapshot-'));
  try {
    await git(out, ['init', '-q', '--bare']);
    const budget = { bytes: 0, files: 0 };
    const top = openDirNoFollow(abs);
    try {
      withDirAt(top, '.git/objects', abs, (objects) => {
        for (const name of readdirSync(at(objects, '.'))) {
          if (name !== 'pack' && !LOOSE_DIR.test(name)) continue; // info/ (alternates) never comes along
          const keep = name === 'pack' ? PACK : LOOSE;
          withDirAt(objects, name, abs, (sub) => {
            mkdirSync(path.join(out, 'objects', name), { recursive: true });
            for (const file of readdirSync(at(sub, '.'))) {
              if (keep.test(file)) copyOne(sub, file, path.join(out, 'objects', name, file), budget, abs);
            }
          });
        }
      });
    } finally {
      closeSync(top);
    }
    return out;
  } catch (e) {
    disposeSnapshot(out);
    throw e;
  }
}

function copyOne(dirFd: number, name: string, dest: string, budget: { bytes: number; files: number }, repo: string): void {
  let fd: number;
  try {
    fd = openSync(at(dirFd, name), NOFOLLOW_FILE);
  } catch {
    return; // a symlink (ELOOP) or gone meanwhile: not an object of this repo
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return;
    budget.bytes += st.size;
    budget.files += 1;
    if (budget.bytes > SNAPSHOT_MAX_BYTES || budget.files > SNAPSHOT_MAX_FILES) {
      throw new UnsafeRepoError(repo, `its objects exceed ${SNAPSHOT_MAX_BYTES >> 20} MiB or ${SNAPSHOT_MAX_FILES} files: run git gc --prune=now there`);
    }
    // Copy through the fd we checked, not through the name, which may point elsewhere by now.
    copyFileSync(`/proc/self/fd/${fd}`, dest);
  } finally {
    closeSync(fd);
  }
}

/** Removes a snapshot made by snapshotObjects. */
export function disposeSnapshot(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
