import type { Diff, DiffFile } from './diff.js';

/** Cap of the whole diff text. */
export const DEFAULT_DIFF_MAX_BYTES = 1024 * 1024;
/** Cap of one file's part of the text: a padding file cannot push the real change out of view. */
export const DEFAULT_DIFF_MAX_FILE_BYTES = 64 * 1024;

/** Splits `git diff` text into its per-file parts, in order (each starts with `diff --git`). */
export function splitParts(text: string): string[] {
  // Content lines carry a ' ', '+' or '-' prefix, so `diff --git ` at a line start is always a header.
  return text.split(/^(?=diff --git )/m).filter((p) => p !== '');
}

/** hive's header line for a file: status, kind, modes, symlink target, binary. */
export function describeFile(f: DiffFile, target?: string): string {
  const bits: string[] = [`${f.status} ${f.kind}`];
  if (f.status === 'added') bits.push(`mode ${f.new_mode}`);
  else if (f.status === 'deleted') bits.push(`was mode ${f.old_mode}`);
  else if (f.old_mode !== f.new_mode) bits.push(`mode ${f.old_mode} -> ${f.new_mode}${f.new_mode === '100755' ? ' (now executable)' : ''}`);
  if (target !== undefined) bits.push(`symlink -> ${target}`);
  if (f.binary) bits.push('binary, not shown');
  return `# ${bits.join(', ')}\n`;
}

// Keeps the lines before the first hunk (headers) and as many whole lines as fit after them.
function cutPart(part: string, budget: number): string {
  const hunk = part.indexOf('\n@@');
  const head = hunk < 0 ? part : part.slice(0, hunk + 1);
  if (Buffer.byteLength(part) <= budget) return part;
  const room = budget - Buffer.byteLength(head);
  if (room <= 0) return head;
  let body = Buffer.from(part.slice(head.length)).subarray(0, room).toString('utf8');
  const nl = body.lastIndexOf('\n');
  body = nl >= 0 ? body.slice(0, nl + 1) : '';
  return head + body;
}

/**
 * Builds the final text: each file's part with hive's header line after `diff --git`, cut to
 * `maxFileBytes`, and, once `maxBytes` is spent, headers only. Cut files are marked in `files`
 * and named in the text, both where they are cut and in a closing line.
 */
export function capFiles(
  text: string,
  files: DiffFile[],
  targets: ReadonlyMap<string, string>,
  o: { maxBytes: number; maxFileBytes: number },
): Diff {
  const parts = splitParts(text);
  // A type change (file <-> symlink) is two parts in git's text, one entry in the file list.
  const expected = files.reduce((n, f) => n + (f.status === 'type-changed' ? 2 : 1), 0);
  if (parts.length !== expected) return capWhole(text, files, o.maxBytes);
  let out = '';
  let spent = 0;
  let i = 0;
  for (const f of files) {
    const own = parts.slice(i, (i += f.status === 'type-changed' ? 2 : 1));
    let chunk = own.map((p, k) => (k === 0 ? withHeader(p, describeFile(f, targets.get(f.path))) : p)).join('');
    const full = Buffer.byteLength(chunk);
    const budget = Math.min(o.maxFileBytes, Math.max(0, o.maxBytes - spent));
    if (full > budget) {
      chunk = cutPart(chunk, budget) || withHeader(own[0]!.split('\n')[0]! + '\n', describeFile(f, targets.get(f.path)));
      const why = budget < o.maxFileBytes ? 'the whole diff reached its cap' : `over the ${o.maxFileBytes}-byte cap per file`;
      chunk += `[diff of ${f.path} cut: showing ${Buffer.byteLength(chunk)} of ${full} bytes, ${why}]\n`;
      f.truncated = true;
    }
    spent += Buffer.byteLength(chunk);
    out += chunk;
  }
  const cut = files.filter((f) => f.truncated);
  if (cut.length) out += `[diff truncated: ${cut.length} of ${files.length} files cut: ${cut.map((f) => f.path).join(', ')}; every file is listed with its counts]\n`;
  return { text: out, files, truncated: cut.length > 0 };
}

function withHeader(part: string, header: string): string {
  const nl = part.indexOf('\n');
  return nl < 0 ? `${part}\n${header}` : part.slice(0, nl + 1) + header + part.slice(nl + 1);
}

// Fallback when the parts cannot be paired with the files (never seen; kept so nothing is lost).
function capWhole(text: string, files: DiffFile[], maxBytes: number): Diff {
  if (Buffer.byteLength(text) <= maxBytes) return { text, files, truncated: false };
  for (const f of files) f.truncated = true;
  const cut = cutPart(text, maxBytes);
  return { text: `${cut}[diff truncated: showing ${Buffer.byteLength(cut)} of ${Buffer.byteLength(text)} bytes; every file is listed with its counts]\n`, files, truncated: true };
}
