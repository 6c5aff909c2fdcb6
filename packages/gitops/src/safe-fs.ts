import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { UnsafeRepoError } from './errors.js';

// File work inside a dir an agent can write. Every step opens ONE name relative to a dir fd we
// already hold (via /proc/self/fd, Linux's openat) and never follows a symlink: the agent may
// swap any dir for a symlink at any moment, but that cannot redirect a read or write of ours.

export const NOFOLLOW_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW;

/** The path of `name` inside the dir open as `fd`. */
export const at = (fd: number, name: string): string => `/proc/self/fd/${fd}/${name}`;

/** Opens dir `name` inside `fd` without following a symlink; UnsafeRepoError naming `shown` otherwise. */
export function openDirAt(fd: number, name: string, shown: string): number {
  try {
    return openSync(at(fd, name), NOFOLLOW_DIR);
  } catch (e) {
    throw new UnsafeRepoError(shown, `${name} is not a real directory (${(e as { code?: string }).code})`);
  }
}

/** Opens the existing dir `abs` (its last component must not be a symlink). */
export function openDirNoFollow(abs: string): number {
  const parent = openSync(path.dirname(abs), NOFOLLOW_DIR);
  try {
    return openDirAt(parent, path.basename(abs), abs);
  } finally {
    closeSync(parent);
  }
}

/** Runs `fn` with the dir fd of `rel` (a relative path, each component opened without following). */
export function withDirAt<T>(rootFd: number, rel: string, shown: string, fn: (fd: number) => T, create = false): T {
  const fds: number[] = [];
  try {
    let fd = rootFd;
    for (const part of rel.split('/').filter(Boolean)) {
      if (create) mkdirIfMissing(fd, part);
      fd = openDirAt(fd, part, shown);
      fds.push(fd);
    }
    return fn(fd);
  } finally {
    for (const f of fds) closeSync(f);
  }
}

function mkdirIfMissing(fd: number, name: string): void {
  try {
    mkdirSync(at(fd, name));
  } catch (e) {
    if ((e as { code?: string }).code !== 'EEXIST') throw e;
  }
}

/** Writes `data` to `name` inside `fd`; refuses a symlink there; `exclusive` leaves an existing file alone. */
export function writeFileAt(fd: number, name: string, data: Buffer | string, o: { exclusive?: boolean; shown: string }): boolean {
  const flags = CREATE | (o.exclusive ? constants.O_EXCL : constants.O_TRUNC);
  let out: number;
  try {
    out = openSync(at(fd, name), flags, 0o644);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EEXIST' && o.exclusive) return false;
    throw new UnsafeRepoError(o.shown, `cannot write ${name} (${code}): it must be a regular file, not a symlink`);
  }
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < buf.length; ) off += writeSync(out, buf, off);
  } finally {
    closeSync(out);
  }
  return true;
}

/** Copies the tree at `src` (daemon-owned) into the dir open as `destFd`; existing files are left alone when `exclusive`. */
export function copyTreeAt(src: string, destFd: number, o: { exclusive?: boolean; shown: string }): void {
  for (const name of readdirSync(src)) {
    const from = path.join(src, name);
    const st = lstatSync(from);
    if (st.isDirectory()) withDirAt(destFd, name, o.shown, (fd) => copyTreeAt(from, fd, o), true);
    else if (st.isFile()) writeFileAt(destFd, name, readFileSync(from), o);
  }
}
