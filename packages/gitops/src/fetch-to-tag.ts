import { TagExistsError } from './errors.js';
import { git } from './git.js';
import { assertCommit, withFetchedCommit } from './inspect.js';
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
  /**
   * Runs on a daemon-owned copy holding just the commit, BEFORE anything reaches `repo`; a throw
   * (e.g. checkProposal's ProposalRefusedError) leaves `repo` exactly as it was: no tag, no objects.
   */
  check?: (repo: string, sha: string) => Promise<unknown>;
  /** With `check`: a daemon-owned dir kept for `from` between calls (see withFetchedCommit's `keep`). */
  keep?: string;
}

/** Fetches exactly `sha` from `from` and pins it as a tag in `repo` in one step; returns the full sha. */
export async function fetchToTag(o: FetchToTagOptions): Promise<string> {
  // Validate before any process runs: the sha is the one argument another party chose.
  const full = assertSha(o.sha);
  assertTagName(o.tag);
  if (await tagExists(o.repo, o.tag)) throw new TagExistsError(o.tag, o.repo);
  // `from` is checked (no symlink, gitfile, alternates) and its objects copied into a repo of
  // ours: upload-pack then never reads the agent's config or borrows another repo's objects.
  if (o.check) {
    const check = o.check;
    return withFetchedCommit(
      o.from,
      full,
      async (staging) => {
        await check(staging, full);
        await git(o.repo, ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', staging, `${full}:refs/tags/${o.tag}`]);
        return full;
      },
      o.keep === undefined ? {} : { keep: o.keep },
    );
  }
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
