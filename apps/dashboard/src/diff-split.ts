import { visibleParts, type ApprovalDiff, type VisiblePart } from '@hive/protocol';

export type FileStatus = 'added' | 'deleted' | 'modified' | 'type-changed';
export type FileKind = 'file' | 'symlink' | 'submodule';

/** One file of a multi-file diff, ready to render: stats from the daemon, the lines that fit the cap. */
export interface DiffSection {
  path: string;
  added: number;
  removed: number;
  binary: boolean;
  status: FileStatus;
  kind: FileKind;
  old_mode: string | null;
  new_mode: string | null;
  /** What the file is and how it changes, e.g. `added symlink, mode 120000, symlink -> ../x`. */
  header: string;
  /** Hunk lines (`@@`, `+`, `-`, ` `) of this file, cut at the line budget. */
  lines: string[];
  /** Lines of this file that were not kept (line budget, or the daemon's own size cap). */
  hidden: number;
  /** True when the daemon cut this file's part of the text (its size cap). */
  cut: boolean;
}

/** The per-file fields a newer daemon sends beside path/added/removed/binary (optional: older schemas drop them). */
interface FileMeta {
  status?: FileStatus;
  kind?: FileKind;
  old_mode?: string | null;
  new_mode?: string | null;
  truncated?: boolean;
}

const HEADER = 'diff --git ';

/** Splits `git diff` text into per-file bodies keyed by the `b/` path (`a/` for deletions); a type change has two. */
export function splitChunks(text: string): Map<string, string[][]> {
  const chunks = new Map<string, string[][]>();
  let current: string[] | null = null;
  let header = '';
  const flush = () => {
    if (!current) return;
    const key = chunkPath(header, current);
    chunks.set(key, [...(chunks.get(key) ?? []), current]);
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

const isMarker = (l: string) => l.startsWith('[diff of ') || l.startsWith('[diff truncated');

/** Just the hunk lines (drops `index`, `---`, `+++`, mode lines and the daemon's cut markers). */
function hunkLines(body: string[]): string[] {
  const start = body.findIndex((l) => l.startsWith('@@') || l.startsWith('Subproject commit'));
  if (start < 0) return [];
  const out = body.slice(start).filter((l) => !isMarker(l));
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

/** What the header lines of a file's bodies say: git's mode lines and hive's `# …` line. */
function headerMeta(bodies: string[][]): FileMeta & { header?: string } {
  const m: FileMeta & { header?: string } = {};
  for (const body of bodies) {
    for (const l of body) {
      if (l.startsWith('@@')) break;
      if (l.startsWith('# ') && m.header === undefined) m.header = l.slice(2);
      else if (l.startsWith('new file mode ')) m.new_mode = l.slice(14);
      else if (l.startsWith('deleted file mode ')) m.old_mode = l.slice(18);
      else if (l.startsWith('old mode ')) m.old_mode = l.slice(9);
      else if (l.startsWith('new mode ')) m.new_mode = l.slice(9);
    }
  }
  return m;
}

const kindOf = (mode: string | null | undefined): FileKind => (mode === '120000' ? 'symlink' : mode === '160000' ? 'submodule' : 'file');

/**
 * Pairs the daemon's per-file stats with the hunks of each file, keeping at most
 * `maxLines` lines in total so a huge proposal cannot freeze the tab.
 */
export function diffSections(diff: ApprovalDiff, maxLines = 3000): DiffSection[] {
  const chunks = splitChunks(diff.text);
  let budget = maxLines;
  const sections: DiffSection[] = [];
  const seen = new Set<string>();
  const add = (path: string, added: number, removed: number, binary: boolean, meta: FileMeta) => {
    const bodies = chunks.get(path);
    const all = (bodies ?? []).flatMap(hunkLines);
    const kept = all.slice(0, Math.max(0, budget));
    budget -= kept.length;
    const parsed = headerMeta(bodies ?? []);
    const old_mode = meta.old_mode !== undefined ? meta.old_mode : (parsed.old_mode ?? null);
    const new_mode = meta.new_mode !== undefined ? meta.new_mode : (parsed.new_mode ?? null);
    const status: FileStatus = meta.status ?? (old_mode === null && new_mode !== null ? 'added' : new_mode === null && old_mode !== null ? 'deleted' : 'modified');
    const kind = meta.kind ?? kindOf(status === 'deleted' ? old_mode : (new_mode ?? old_mode));
    const marked = (bodies ?? []).some((b) => b.some((l) => l.startsWith('[diff of ')));
    const cut = meta.truncated ?? (marked || (!bodies && diff.truncated && !binary));
    const header = parsed.header ?? describe(status, kind, old_mode, new_mode, binary);
    sections.push({ path, added, removed, binary, status, kind, old_mode, new_mode, header, lines: kept, hidden: all.length - kept.length, cut });
    seen.add(path);
  };
  for (const f of diff.files) add(f.path, f.added, f.removed, f.binary, f as FileMeta);
  // A chunk the stats did not list (renames, odd quoting): still shown, counted from its lines.
  for (const [path, bodies] of chunks) {
    if (seen.has(path)) continue;
    const lines = bodies.flatMap(hunkLines);
    const added = lines.filter((l) => l.startsWith('+')).length;
    const removed = lines.filter((l) => l.startsWith('-')).length;
    add(path, added, removed, bodies.some((b) => b.some((l) => l.startsWith('Binary files '))), {});
  }
  return sections;
}

/** The header an older daemon did not write: same wording as hive's `# …` line. */
function describe(status: FileStatus, kind: FileKind, old_mode: string | null, new_mode: string | null, binary: boolean): string {
  const bits = [`${status} ${kind}`];
  if (status === 'added' && new_mode) bits.push(`mode ${new_mode}`);
  else if (status === 'deleted' && old_mode) bits.push(`was mode ${old_mode}`);
  else if (old_mode && new_mode && old_mode !== new_mode) bits.push(`mode ${old_mode} -> ${new_mode}`);
  if (binary) bits.push('binary, not shown');
  return bits.join(', ');
}

/** A line (or path) split into plain runs and visible marks for each control, bidi or zero-width character. */
export function markInvisible(text: string): VisiblePart[] {
  return visibleParts(text);
}
