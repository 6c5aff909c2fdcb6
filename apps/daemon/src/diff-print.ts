import { escapeVisible } from '@hive/protocol';

/** A diff as `GET /api/approvals/:id/diff` answers it (the per-file fields beyond the counts are optional for older daemons). */
export interface PrintableDiff {
  text: string;
  truncated?: boolean;
  files: Array<{
    path: string;
    added: number;
    removed: number;
    binary?: boolean;
    status?: string;
    kind?: string;
    old_mode?: string | null;
    new_mode?: string | null;
    truncated?: boolean;
  }>;
}

const LETTER: Record<string, string> = { added: 'A', deleted: 'D', modified: 'M', 'type-changed': 'T' };
const vis = (s: string) => escapeVisible(s, { style: 'terminal' });

/** One line per file: status, path, kind and mode changes, counts, and whether the daemon cut it. */
export function formatFileList(d: PrintableDiff): string {
  const added = d.files.reduce((n, f) => n + f.added, 0);
  const removed = d.files.reduce((n, f) => n + f.removed, 0);
  const cut = d.files.filter((f) => f.truncated).length;
  const lines = [`${d.files.length} file${d.files.length === 1 ? '' : 's'} changed (+${added} −${removed})${cut ? `, ${cut} cut at the size cap` : ''}`];
  const width = Math.min(48, Math.max(0, ...d.files.map((f) => vis(f.path).length)));
  for (const f of d.files) {
    const notes: string[] = [];
    if (f.kind && f.kind !== 'file') notes.push(f.kind);
    if (f.status === 'modified' && f.old_mode && f.new_mode && f.old_mode !== f.new_mode) notes.push(`mode ${f.old_mode} -> ${f.new_mode}`);
    if (f.status === 'type-changed') notes.push(`type change ${f.old_mode} -> ${f.new_mode}`);
    if (f.truncated) notes.push('[cut]');
    const counts = f.binary ? 'binary' : `+${f.added} −${f.removed}`;
    lines.push(`  ${LETTER[f.status ?? ''] ?? '?'} ${vis(f.path).padEnd(width)}  ${counts}${notes.length ? '  ' + notes.join(', ') : ''}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * What `hive diff ID` prints: the file list with counts, then the text with control, bidi and
 * zero-width characters escaped visibly (`\x1b`, `\r`, `<U+202E>`); `raw` prints the text's bytes.
 */
export function formatDiff(d: PrintableDiff, o: { raw?: boolean } = {}): string {
  if (d.files.length === 0) return (o.raw ? d.text : vis(d.text)).replace(/\n?$/, '\n');
  const text = o.raw ? d.text : vis(d.text);
  return `${formatFileList(d)}\n${text}${text.endsWith('\n') ? '' : '\n'}`;
}
