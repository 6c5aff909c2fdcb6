import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ShaNotFoundError } from './errors.js';
import { git, runGit } from './git.js';
import { disposeSnapshot, initBareRepo, resetKept, snapshotObjects } from './object-snapshot.js';
import { assertSha } from './refs.js';

/**
 * Runs `fn` on a daemon-owned bare repo holding commit `sha` of `from` (an agent-writable repo) and
 * what it reaches, fetched through a snapshot of `from`'s objects, so every object was hash-checked
 * on the way in. For looking at a proposal (policy, init diff) before anything of it lands in applied.
 *
 * Without `keep` the repo is fresh and removed when `fn` settles. With `keep` (a daemon-owned dir
 * for this one source, outside every agent bind; the caller serializes calls on it) the snapshot
 * and the checked repo stay between calls: each request copies and fetches only what is new. The
 * checked repo then also holds earlier proposals' objects — all hash-checked, none of them in
 * applied unless a later approved commit reaches them.
 */
export async function withFetchedCommit<T>(from: string, sha: string, fn: (repo: string, sha: string) => Promise<T>, o: { keep?: string } = {}): Promise<T> {
  const full = assertSha(sha);
  if (o.keep !== undefined) return withKeptCommit(from, full, fn, o.keep);
  const staging = mkdtempSync(path.join(os.tmpdir(), 'hive-inspect-'));
  try {
    initBareRepo(staging);
    const snap = await snapshotObjects(from);
    try {
      await assertCommit(snap, full, from);
      await git(staging, ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', snap, `${full}:refs/tags/inspected`]);
    } finally {
      disposeSnapshot(snap);
    }
    return await fn(staging, full);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function withKeptCommit<T>(from: string, full: string, fn: (repo: string, sha: string) => Promise<T>, keep: string): Promise<T> {
  const checked = path.join(keep, 'checked');
  const snapDir = path.join(keep, 'snapshot');
  if (!existsSync(path.join(checked, 'HEAD'))) {
    mkdirSync(keep, { recursive: true, mode: 0o700 });
    initBareRepo(checked);
  }
  const fetch = async () => {
    const snap = await snapshotObjects(from, { into: snapDir });
    // Forced: the ref only says which proposal was looked at last (and is what the next fetch negotiates from).
    const r = await runGit(checked, ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', snap, `+${full}:refs/hive/inspected`], { allowFailure: true });
    return r.exitCode === 0 ? null : r.stderr;
  };
  let failed = await fetch();
  if (failed !== null) {
    await assertCommit(snapDir, full, from);
    // A commit the snapshot has, yet the fetch failed: an object there is not what its name says
    // (the copy keeps the first file seen under a name). Start the snapshot afresh, once.
    resetKept(snapDir);
    failed = await fetch();
    if (failed !== null) throw new ShaNotFoundError(full, from);
  }
  // The fetch takes any object: only a commit is a proposal.
  await assertCommit(checked, full, from);
  return fn(checked, full);
}

/** Throws ShaNotFoundError (naming `shownAs`) unless `sha` is a commit in `repo`. */
export async function assertCommit(repo: string, sha: string, shownAs = repo): Promise<void> {
  const r = await runGit(repo, ['cat-file', '-t', assertSha(sha)], { allowFailure: true, isolated: true });
  if (r.exitCode !== 0 || r.stdout.trim() !== 'commit') throw new ShaNotFoundError(sha, shownAs);
}
