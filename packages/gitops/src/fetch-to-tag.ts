import path from 'node:path';
import { AmbiguousShaError, ShaNotFoundError, TagExistsError } from './errors.js';
import { git, runGit } from './git.js';
import { assertSha, assertTagName } from './refs.js';
import { tagExists } from './tags.js';

export interface FetchToTagOptions {
  /** Repo that receives the commit and the tag. */
  repo: string;
  /** Repo the commit comes from. */
  from: string;
  /** Full or abbreviated hex sha of a commit in `from`. */
  sha: string;
  /** Lightweight tag to create in `repo`, e.g. proposal/7. */
  tag: string;
}

/** Fetches exactly `sha` from `from` and pins it as a tag in `repo` in one step; returns the full sha. */
export async function fetchToTag(o: FetchToTagOptions): Promise<string> {
  // Validate before any process runs: the sha is the one argument another party chose.
  const wanted = assertSha(o.sha);
  assertTagName(o.tag);
  if (await tagExists(o.repo, o.tag)) throw new TagExistsError(o.tag, o.repo);
  const full = await resolveCommit(o.from, wanted);
  // The refspec writes the tag as part of the fetch itself: no window with an unpinned commit.
  await git(o.repo, ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', path.resolve(o.from), `${full}:refs/tags/${o.tag}`]);
  return full;
}

/** The full sha of the commit a hex prefix names in `repo`, never a branch or tag that happens to look hex. */
export async function resolveCommit(repo: string, hex: string): Promise<string> {
  const sha = assertSha(hex);
  if (sha.length === 40 || sha.length === 64) {
    const r = await runGit(repo, ['cat-file', '-t', sha], { allowFailure: true });
    if (r.exitCode !== 0) throw new ShaNotFoundError(sha, repo);
    if (r.stdout.trim() !== 'commit') throw new ShaNotFoundError(sha, repo);
    return sha;
  }
  const r = await runGit(repo, ['rev-parse', `--disambiguate=${sha}`], { allowFailure: true });
  const candidates = r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  const commits: string[] = [];
  for (const c of candidates) {
    const t = await runGit(repo, ['cat-file', '-t', c], { allowFailure: true });
    if (t.stdout.trim() === 'commit') commits.push(c);
  }
  if (commits.length === 0) throw new ShaNotFoundError(sha, repo);
  if (commits.length > 1) throw new AmbiguousShaError(sha, repo, commits);
  return commits[0]!;
}
