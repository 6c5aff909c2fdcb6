import { runGit } from './git.js';
import { revParse } from './repo.js';

export interface DiffFile {
  path: string;
  /** Lines added; 0 for a binary file. */
  added: number;
  /** Lines removed; 0 for a binary file. */
  removed: number;
  binary: boolean;
}

export interface Diff {
  /** Unified diff; binary files appear as "Binary files … differ", never as raw bytes. */
  text: string;
  /** Every changed file, even when `text` was truncated. */
  files: DiffFile[];
  truncated: boolean;
}

export const DEFAULT_DIFF_MAX_BYTES = 1024 * 1024;

// Flags for both runs: rename detection off so text and stats list the same paths,
// and no external diff or textconv drivers from the (manager-writable) repo config.
const COMMON = ['--no-color', '--no-ext-diff', '--no-textconv', '--no-renames'];

/** What changes from `from` to `to`: unified text (capped at maxBytes, default 1 MiB) and per-file stats. */
/** git's well-known empty tree: `diff(repo, EMPTY_TREE, sha)` shows every file of `sha`. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export async function diff(repo: string, from: string, to: string, opts: { maxBytes?: number } = {}): Promise<Diff> {
  const maxBytes = opts.maxBytes ?? DEFAULT_DIFF_MAX_BYTES;
  // The empty tree is no commit, but git knows it: diffing from it shows a whole first commit.
  const resolve = (ref: string) => (ref === EMPTY_TREE ? ref : revParse(repo, ref));
  const [a, b] = [await resolve(from), await resolve(to)];
  const [text, stats] = await Promise.all([
    runGit(repo, ['diff', ...COMMON, a, b, '--']),
    runGit(repo, ['diff', ...COMMON, '--numstat', '-z', a, b, '--']),
  ]);
  const files = parseNumstat(stats.stdout);
  return { ...capText(text.stdout, maxBytes, files.length), files };
}

/** Parses `git diff --numstat -z` (renames off): "added\tremoved\tpath\0" per file, "-" for binary. */
export function parseNumstat(out: string): DiffFile[] {
  const files: DiffFile[] = [];
  for (const rec of out.split('\0')) {
    const m = /^(\d+|-)\t(\d+|-)\t([\s\S]+)$/.exec(rec);
    if (!m) continue;
    const binary = m[1] === '-' && m[2] === '-';
    files.push({ path: m[3]!, added: binary ? 0 : Number(m[1]), removed: binary ? 0 : Number(m[2]), binary });
  }
  return files;
}

function capText(text: string, maxBytes: number, fileCount: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, truncated: false };
  let cut = bytes.subarray(0, Math.max(0, maxBytes)).toString('utf8');
  // Cut at a line end (so never mid-character) and let the marker start its own line.
  const nl = cut.lastIndexOf('\n');
  cut = nl >= 0 ? cut.slice(0, nl + 1) : '';
  const shown = Buffer.byteLength(cut, 'utf8');
  const marker =
    `[diff truncated: showing ${shown} of ${bytes.length} bytes; ` +
    `all ${fileCount} changed files are listed in the file stats]\n`;
  return { text: cut + marker, truncated: true };
}
