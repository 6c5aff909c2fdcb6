import type { ApprovalDiff } from '@hive/protocol';

/** One file of a multi-file diff, ready to render: stats from the daemon, the lines that fit the cap. */
export interface DiffSection {
  path: string;
  added: number;
  removed: number;
  binary: boolean;
  /** Hunk lines (`@@`, `+`, `-`, ` `) of this file, cut at the line budget. */
  lines: string[];
  /** Lines of this file that were not kept (line budget, or the daemon's own size cap). */
  hidden: number;
  /** True when the daemon cut the text before this file's hunks. */
  cut: boolean;
}

const HEADER = 'diff --git ';

/** Splits `git diff` text into per-file chunks keyed by the `b/` path (`a/` for deletions). */
export function splitChunks(text: string): Map<string, string[]> {
  const chunks = new Map<string, string[]>();
  let current: string[] | null = null;
  let header = '';
  const flush = () => {
    if (current) chunks.set(chunkPath(header, current), current);
  };
  for (const line of text.split('\n')) {
    if (line.startsWith(HEADER)) {
      flush();
      header = line;
      current = [];
    } else if (current) current.push(line);
  }
  flush();
  return chunks;
}

function chunkPath(header: string, body: string[]): string {
  const plus = body.find((l) => l.startsWith('+++ '));
  if (plus && plus !== '+++ /dev/null') return stripPrefix(plus.slice(4));
  const minus = body.find((l) => l.startsWith('--- '));
  if (minus && minus !== '--- /dev/null') return stripPrefix(minus.slice(4));
  // No ---/+++ lines (binary or mode-only change): the header is `a/<p> b/<p>`, both halves equal.
  const rest = header.slice(HEADER.length);
  const half = rest.slice(Math.floor(rest.length / 2) + 1);
  return stripPrefix(half);
}

function stripPrefix(p: string): string {
  const unq = p.startsWith('"') && p.endsWith('"') ? p.slice(1, -1) : p;
  return unq.replace(/^[ab]\//, '');
}

/** Just the hunk lines (drops `index`, `---`, `+++`, mode lines). */
function hunkLines(body: string[]): string[] {
  const start = body.findIndex((l) => l.startsWith('@@'));
  if (start < 0) return [];
  const out = body.slice(start);
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

/**
 * Pairs the daemon's per-file stats with the hunks of each file, keeping at most
 * `maxLines` lines in total so a huge proposal cannot freeze the tab.
 */
export function diffSections(diff: ApprovalDiff, maxLines = 3000): DiffSection[] {
  const chunks = splitChunks(diff.text);
  let budget = maxLines;
  const sections: DiffSection[] = [];
  const seen = new Set<string>();
  const add = (path: string, added: number, removed: number, binary: boolean) => {
    const body = chunks.get(path);
    const all = body ? hunkLines(body) : [];
    const kept = all.slice(0, Math.max(0, budget));
    budget -= kept.length;
    const cut = !body && diff.truncated && !binary;
    sections.push({ path, added, removed, binary, lines: kept, hidden: all.length - kept.length, cut });
    seen.add(path);
  };
  for (const f of diff.files) add(f.path, f.added, f.removed, f.binary);
  // A chunk the stats did not list (renames, odd quoting): still shown, counted from its lines.
  for (const [path, body] of chunks) {
    if (seen.has(path)) continue;
    const lines = hunkLines(body);
    const added = lines.filter((l) => l.startsWith('+')).length;
    const removed = lines.filter((l) => l.startsWith('-')).length;
    add(path, added, removed, body.some((l) => l.startsWith('Binary files ')));
  }
  return sections;
}
