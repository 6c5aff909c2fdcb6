import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UnsafeNspawnFlagError } from './errors.js';

const KEY = 'EXTRA_NSPAWN_FLAGS';
const KEY_LINE = /^\s*(?:export\s+)?EXTRA_NSPAWN_FLAGS=(.*)$/;
// The value is read by systemd (EnvironmentFile) and then word-split by the start
// script, so a flag must be one plain word: no quoting can survive both.
const PLAIN_WORD = /^[^\s"'`$\\\x00-\x1f\x7f]+$/;

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Parses the value side of `KEY=value` as systemd's EnvironmentFile does: "double" (with \ escapes), 'single' or bare. */
function parseValue(raw: string): string {
  const v = raw.trim();
  if (v.startsWith('"')) {
    let out = '';
    for (let i = 1; i < v.length; i++) {
      const c = v[i]!;
      if (c === '\\' && i + 1 < v.length) out += v[++i];
      else if (c === '"') break;
      else out += c;
    }
    return out;
  }
  if (v.startsWith("'")) {
    const end = v.indexOf("'", 1);
    return v.slice(1, end === -1 ? undefined : end);
  }
  return v;
}

function renderLine(flags: readonly string[]): string {
  for (const f of flags) if (!PLAIN_WORD.test(f)) throw new UnsafeNspawnFlagError(f);
  return `${KEY}="${flags.join(' ')}"`;
}

/** The flags in a container conf's EXTRA_NSPAWN_FLAGS; null when the file or the key is absent. */
export async function readNspawnFlags(confFile: string): Promise<string[] | null> {
  const text = await readText(confFile);
  if (text === null) return null;
  let found: string | null = null;
  // Later assignments win, as in systemd's EnvironmentFile.
  for (const line of text.split('\n')) {
    const m = KEY_LINE.exec(line);
    if (m) found = parseValue(m[1]!);
  }
  if (found === null) return null;
  return found.split(/\s+/).filter(Boolean);
}

/**
 * (Re)writes EXTRA_NSPAWN_FLAGS in a container conf, keeping every other line in place.
 * No write at all when the content would not change; otherwise temp file + rename, so a
 * crash mid-write never leaves nspawn a half-written conf.
 */
export async function writeNspawnFlags(o: { confFile: string; flags: readonly string[] }): Promise<{ changed: boolean }> {
  const line = renderLine(o.flags);
  const before = await readText(o.confFile);
  const lines = before === null || before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let placed = false;
  for (const l of lines) {
    if (!KEY_LINE.test(l)) out.push(l);
    else if (!placed) {
      out.push(line);
      placed = true;
    } // a duplicate key would override ours: drop it
  }
  if (!placed) out.push(line);
  const after = out.join('\n') + '\n';
  if (after === before) return { changed: false };

  await mkdir(path.dirname(o.confFile), { recursive: true });
  const mode = before === null ? 0o644 : (await stat(o.confFile)).mode & 0o7777;
  const tmp = `${o.confFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, after, { mode });
    await chmod(tmp, mode); // writeFile's mode is filtered by the umask
    await rename(tmp, o.confFile);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { changed: true };
}
