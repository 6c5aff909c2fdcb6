import { runGit } from './git.js';
import { revParse } from './repo.js';
import { capFiles, DEFAULT_DIFF_MAX_BYTES, DEFAULT_DIFF_MAX_FILE_BYTES } from './diff-cap.js';

export { DEFAULT_DIFF_MAX_BYTES, DEFAULT_DIFF_MAX_FILE_BYTES } from './diff-cap.js';

export type DiffFileStatus = 'added' | 'deleted' | 'modified' | 'type-changed';
export type DiffFileKind = 'file' | 'symlink' | 'submodule';

export interface DiffFile {
  path: string;
  /** Lines added; 0 for a binary file. */
  added: number;
  /** Lines removed; 0 for a binary file. */
  removed: number;
  /** Decided by git's content check (a NUL byte), never by the repo's attributes. */
  binary: boolean;
  status: DiffFileStatus;
  /** `100644`, `100755`, `120000` (symlink), `160000` (submodule); null on the side where the file does not exist. */
  old_mode: string | null;
  new_mode: string | null;
  /** What the path is after the change (before it, for a deletion). */
  kind: DiffFileKind;
  /** True when this file's part of `text` was cut (per-file or total cap). */
  truncated: boolean;
}

export interface Diff {
  /** Unified diff, one part per file, each opened by `diff --git` and hive's `# …` header lines. */
  text: string;
  /** Every changed file, always, even when `text` was cut. */
  files: DiffFile[];
  /** True when any file's part was cut; the text then names the cut files. */
  truncated: boolean;
}

export interface DiffOptions {
  /** Cap of the whole text (default 1 MiB); files past it keep their headers, not their hunks. */
  maxBytes?: number;
  /** Cap of one file's part (default 64 KiB), so one padding file cannot hide the rest. */
  maxFileBytes?: number;
}

/** git's well-known empty tree: `diff(repo, EMPTY_TREE, sha)` shows every file of `sha`. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

// Everything that could make the text depend on the repo's config or attributes, pinned. The runs
// are `isolated` (empty work tree, no index), so in-tree .gitattributes (`* -diff`) play no part.
const COMMON = [
  '--no-color', '--no-ext-diff', '--no-textconv', '--no-renames', '--submodule=short', '--ignore-submodules=none',
  '--src-prefix=a/', '--dst-prefix=b/', '--no-relative', '-O/dev/null', '-U3', '--diff-algorithm=myers',
];

const STATUS: Record<string, DiffFileStatus> = { A: 'added', D: 'deleted', M: 'modified', T: 'type-changed' };

/** What changes from `from` to `to` in a daemon-owned repo: every file with its modes and counts, and capped text. */
export async function diff(repo: string, from: string, to: string, opts: DiffOptions = {}): Promise<Diff> {
  // The empty tree is no commit, but git knows it: diffing from it shows a whole first commit.
  const resolve = (ref: string) => (ref === EMPTY_TREE ? ref : revParse(repo, ref));
  const [a, b] = [await resolve(from), await resolve(to)];
  const run = (args: string[]) => runGit(repo, ['diff', ...COMMON, ...args, a, b, '--'], { isolated: true });
  const [text, stats, raw] = await Promise.all([run([]), run(['--numstat', '-z']), run(['--raw', '-z', '--no-abbrev'])]);
  const counts = new Map(parseNumstat(stats.stdout).map((f) => [f.path, f]));
  const files: DiffFile[] = [];
  const targets = new Map<string, string>();
  for (const r of parseRaw(raw.stdout)) {
    const c = counts.get(r.path);
    const mode = r.status === 'deleted' ? r.old_mode : r.new_mode;
    const kind: DiffFileKind = mode === '120000' ? 'symlink' : mode === '160000' ? 'submodule' : 'file';
    files.push({ path: r.path, added: c?.added ?? 0, removed: c?.removed ?? 0, binary: c?.binary ?? false, status: r.status, old_mode: r.old_mode, new_mode: r.new_mode, kind, truncated: false });
    if (kind === 'symlink' && r.status !== 'deleted') targets.set(r.path, await symlinkTarget(repo, r.new_sha));
  }
  return capFiles(text.stdout, files, targets, {
    maxBytes: opts.maxBytes ?? DEFAULT_DIFF_MAX_BYTES,
    maxFileBytes: opts.maxFileBytes ?? DEFAULT_DIFF_MAX_FILE_BYTES,
  });
}

async function symlinkTarget(repo: string, sha: string): Promise<string> {
  return (await runGit(repo, ['cat-file', 'blob', sha], { isolated: true })).stdout;
}

interface RawEntry {
  path: string;
  status: DiffFileStatus;
  old_mode: string | null;
  new_mode: string | null;
  new_sha: string;
}

/** Parses `git diff --raw -z --no-abbrev` (renames off): ":old new oldsha newsha S\0path\0" per file. */
export function parseRaw(out: string): RawEntry[] {
  const parts = out.split('\0');
  const entries: RawEntry[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const m = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])\d*$/.exec(parts[i]!.trim());
    if (!m) continue;
    const zero = (mode: string) => (/^0+$/.test(mode) ? null : mode);
    entries.push({ path: parts[i + 1]!, status: STATUS[m[5]!] ?? 'modified', old_mode: zero(m[1]!), new_mode: zero(m[2]!), new_sha: m[4]! });
  }
  return entries;
}

/** Parses `git diff --numstat -z` (renames off): "added\tremoved\tpath\0" per file, "-" for binary. */
export function parseNumstat(out: string): Array<{ path: string; added: number; removed: number; binary: boolean }> {
  const files: Array<{ path: string; added: number; removed: number; binary: boolean }> = [];
  for (const rec of out.split('\0')) {
    const m = /^(\d+|-)\t(\d+|-)\t([\s\S]+)$/.exec(rec);
    if (!m) continue;
    const binary = m[1] === '-' && m[2] === '-';
    files.push({ path: m[3]!, added: binary ? 0 : Number(m[1]), removed: binary ? 0 : Number(m[2]), binary });
  }
  return files;
}
