import { ShaNotFoundError, TagExistsError } from './errors.js';
import { git, runGit } from './git.js';
import { disposeSnapshot, snapshotObjects } from './object-snapshot.js';
import { assertSha, assertTagName } from './refs.js';
import { tagExists } from './tags.js';

export interface FetchToTagOptions {
  /** Repo that receives the commit and the tag (daemon-owned). */
  repo: string;
  /** Repo the commit comes from; may be agent-writable: git never runs in it. */
  from: string;
  /** Full 40 (or 64) hex sha of a commit in `from`. */
  sha: string;
  /** Lightweight tag to create in `repo`, e.g. proposal/7. */
  tag: string;
}

/** Fetches exactly `sha` from `from` and pins it as a tag in `repo` in one step; returns the full sha. */
export async function fetchToTag(o: FetchToTagOptions): Promise<string> {
  // Validate before any process runs: the sha is the one argument another party chose.
  const full = assertSha(o.sha);
  assertTagName(o.tag);
  if (await tagExists(o.repo, o.tag)) throw new TagExistsError(o.tag, o.repo);
  // `from` is checked (no symlink, gitfile, alternates) and its objects copied into a repo of
  // ours: upload-pack then never reads the agent's config or borrows another repo's objects.
  const snap = await snapshotObjects(o.from);
  try {
    await assertCommit(snap, full, o.from);
    // The refspec writes the tag as part of the fetch itself: no window with an unpinned commit.
    await git(o.repo, ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', snap, `${full}:refs/tags/${o.tag}`]);
    return full;
  } finally {
    disposeSnapshot(snap);
  }
}

/** Throws ShaNotFoundError (naming `shownAs`) unless `sha` is a commit in `repo`. */
export async function assertCommit(repo: string, sha: string, shownAs = repo): Promise<void> {
  const r = await runGit(repo, ['cat-file', '-t', assertSha(sha)], { allowFailure: true, isolated: true });
  if (r.exitCode !== 0 || r.stdout.trim() !== 'commit') throw new ShaNotFoundError(sha, shownAs);
}
