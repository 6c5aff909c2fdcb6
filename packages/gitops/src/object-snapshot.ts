import { closeSync, constants, copyFileSync, fstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnsafeRepoError } from './errors.js';
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
 *
 * With `into` (a daemon-owned dir kept between calls for this one source) the copy is
 * incremental: an object file whose name is already there is not copied again (names are content
 * addresses; a forged object only makes the fetch that reads it fail, see withFetchedCommit), so a
 * request costs what the repo gained since the last one, not its whole history. The budget then
 * counts every byte the dir ever took in; over it, the dir is emptied and copied afresh.
 */
export async function snapshotObjects(repo: string, o: { into?: string } = {}): Promise<string> {
  const abs = path.resolve(repo);
  assertPlainRepo(abs);
  const kept = o.into !== undefined;
  const out = o.into ?? mkdtempSync(path.join(os.tmpdir(), 'hive-snapshot-'));
  try {
    // Bytes the kept dir took in so far; a dir that is not (yet) a kept snapshot starts empty.
    let before = 0;
    if (!kept) initBareRepo(out);
    else {
      const bytes = readKeptBytes(out);
      if (bytes === null) resetKept(out);
      else before = bytes;
    }
    const budget = { bytes: before, files: 0 };
    try {
      copyObjects(abs, out, budget, kept);
    } catch (e) {
      if (!kept || !(e instanceof UnsafeRepoError) || before === 0) throw e;
      // Over budget with history in the dir: start again from what the repo holds now.
      resetKept(out);
      before = budget.bytes = budget.files = 0;
      copyObjects(abs, out, budget, kept);
    }
    if (kept && budget.bytes !== before) writeFileSync(path.join(out, KEPT_BYTES), String(budget.bytes));
    return out;
  } catch (e) {
    disposeSnapshot(out);
    throw e;
  }
}

/** Empties a kept snapshot dir (withFetchedCommit does when a fetch from it fails). */
export function resetKept(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  initBareRepo(dir);
  writeFileSync(path.join(dir, KEPT_BYTES), '0');
}

// Bytes a kept snapshot took in so far; its absence means the dir is not (yet) one.
const KEPT_BYTES = 'hive-snapshot-bytes';

function readKeptBytes(dir: string): number | null {
  try {
    const n = Number(readFileSync(path.join(dir, KEPT_BYTES), 'utf8'));
    return Number.isSafeInteger(n) && n >= 0 ? n : null;
  } catch {
    return null;
  }
}

function copyObjects(abs: string, out: string, budget: { bytes: number; files: number }, skipKnown: boolean): void {
  const top = openDirNoFollow(abs);
  try {
    withDirAt(top, '.git/objects', abs, (objects) => {
      for (const name of readdirSync(at(objects, '.'))) {
        if (name !== 'pack' && !LOOSE_DIR.test(name)) continue; // info/ (alternates) never comes along
        const keep = name === 'pack' ? PACK : LOOSE;
        withDirAt(objects, name, abs, (sub) => {
          const dest = path.join(out, 'objects', name);
          mkdirSync(dest, { recursive: true });
          const known = new Set(skipKnown ? readdirSync(dest) : []);
          for (const file of readdirSync(at(sub, '.'))) {
            if (!keep.test(file)) continue;
            if (known.has(file)) {
              budget.files += 1;
              if (budget.files > SNAPSHOT_MAX_FILES) overBudget(abs);
            } else copyOne(sub, file, path.join(dest, file), budget, abs);
          }
        });
      }
    });
  } finally {
    closeSync(top);
  }
}

function overBudget(repo: string): never {
  throw new UnsafeRepoError(repo, `its objects exceed ${SNAPSHOT_MAX_BYTES >> 20} MiB or ${SNAPSHOT_MAX_FILES} files: run git gc --prune=now there`);
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
    if (budget.bytes > SNAPSHOT_MAX_BYTES || budget.files > SNAPSHOT_MAX_FILES) overBudget(repo);
    // Copy through the fd we checked, not through the name, which may point elsewhere by now.
    copyFileSync(`/proc/self/fd/${fd}`, dest);
  } finally {
    closeSync(fd);
  }
}

/**
 * What `git init --bare` leaves that git needs (HEAD, config, objects/, refs/), written directly:
 * a request makes two such scratch repos, and this saves a process each. No hooks or templates.
 */
export function initBareRepo(dir: string): void {
  for (const sub of ['objects/pack', 'objects/info', 'refs/heads', 'refs/tags']) mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dir, 'HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(path.join(dir, 'config'), '[core]\n\trepositoryformatversion = 0\n\tbare = true\n');
}

/** Removes a snapshot made by snapshotObjects. */
export function disposeSnapshot(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
