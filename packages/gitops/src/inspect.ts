import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ShaNotFoundError } from './errors.js';
import { git, runGit } from './git.js';
import { disposeSnapshot, snapshotObjects } from './object-snapshot.js';
import { assertSha } from './refs.js';

/**
 * Runs `fn` on a fresh daemon-owned bare repo holding exactly commit `sha` of `from` (an
 * agent-writable repo) and what it reaches, fetched through a snapshot of `from`'s objects, so
 * every object was hash-checked on the way in. The repo is removed when `fn` settles.
 * For looking at a proposal (policy, init diff) before anything of it lands in applied.
 */
export async function withFetchedCommit<T>(from: string, sha: string, fn: (repo: string, sha: string) => Promise<T>): Promise<T> {
  const full = assertSha(sha);
  const staging = mkdtempSync(path.join(os.tmpdir(), 'hive-inspect-'));
  try {
    await git(staging, ['init', '-q', '--bare']);
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

/** Throws ShaNotFoundError (naming `shownAs`) unless `sha` is a commit in `repo`. */
export async function assertCommit(repo: string, sha: string, shownAs = repo): Promise<void> {
  const r = await runGit(repo, ['cat-file', '-t', assertSha(sha)], { allowFailure: true, isolated: true });
  if (r.exitCode !== 0 || r.stdout.trim() !== 'commit') throw new ShaNotFoundError(sha, shownAs);
}
