import { GitError } from './errors.js';
import { runGit } from './git.js';
import { assertRev } from './refs.js';

/** One object as `git cat-file --batch` gives it, or `missing` for a name that resolves to nothing. */
export type CatFileEntry =
  | { rev: string; missing: false; sha: string; type: string; size: number; content: Buffer }
  | { rev: string; missing: true };

/**
 * Reads many objects (`<rev>` or `<rev>:<path>`) with one `git cat-file --batch`, in order:
 * the reads a pipeline step needs without a process per object. Content is raw bytes.
 */
export async function catFileBatch(repo: string, revs: readonly string[]): Promise<CatFileEntry[]> {
  if (revs.length === 0) return [];
  // No whitespace or control characters: a newline would start another request.
  for (const rev of revs) assertRev(rev, 'object name');
  const args = ['cat-file', '--batch'];
  const r = await runGit(repo, args, { input: revs.join('\n') + '\n', isolated: true, binary: true });
  // latin1 keeps one character per byte, so sizes index the text exactly.
  const out = r.stdout;
  const entries: CatFileEntry[] = [];
  let at = 0;
  for (const rev of revs) {
    const nl = out.indexOf('\n', at);
    if (nl < 0) throw new GitError(args, `cat-file --batch ended early at ${rev}`);
    const header = out.slice(at, nl);
    at = nl + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      entries.push({ rev, missing: true });
      continue;
    }
    const [sha, type, size] = header.split(' ');
    const n = Number(size);
    if (!sha || !type || !Number.isSafeInteger(n)) throw new GitError(args, `unexpected cat-file header: ${header}`);
    entries.push({ rev, missing: false, sha, type, size: n, content: Buffer.from(out.slice(at, at + n), 'latin1') });
    at += n + 1; // the content, then a newline
  }
  return entries;
}
