import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UnsafeNspawnFlagError } from './errors.js';

const KEY = 'EXTRA_NSPAWN_FLAGS';
const keyLine = (key: string) => new RegExp(`^\\s*(?:export\\s+)?${key}=(.*)$`);
const KEY_NAME = /^[A-Z][A-Z0-9_]*$/;
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

/** The value of `key` in a container conf (later assignments win, as in systemd's EnvironmentFile); null when absent. */
export async function readConfVar(confFile: string, key: string): Promise<string | null> {
  const text = await readText(confFile);
  if (text === null) return null;
  const re = keyLine(key);
  let found: string | null = null;
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m) found = parseValue(m[1]!);
  }
  return found;
}

/** The flags in a container conf's EXTRA_NSPAWN_FLAGS; null when the file or the key is absent. */
export async function readNspawnFlags(confFile: string): Promise<string[] | null> {
  const found = await readConfVar(confFile, KEY);
  return found === null ? null : found.split(/\s+/).filter(Boolean);
}

/**
 * (Re)writes EXTRA_NSPAWN_FLAGS in a container conf, keeping every other line in place.
 * No write at all when the content would not change; otherwise temp file + rename, so a
 * crash mid-write never leaves nspawn a half-written conf.
 */
export async function writeNspawnFlags(o: { confFile: string; flags: readonly string[] }): Promise<{ changed: boolean }> {
  return writeConfLines(o.confFile, new Map([[KEY, renderLine(o.flags)]]));
}

/**
 * Sets plain `KEY=value` lines (e.g. PRIVATE_NETWORK=0, HOST_ADDRESS=) the way nixos-container writes them,
 * with the same keep-the-rest, idempotent and atomic rewrite as writeNspawnFlags. Values are one plain word or empty.
 */
export async function writeConfVars(o: { confFile: string; vars: Readonly<Record<string, string>> }): Promise<{ changed: boolean }> {
  const lines = new Map<string, string>();
  for (const [k, v] of Object.entries(o.vars)) {
    if (!KEY_NAME.test(k)) throw new UnsafeNspawnFlagError(k);
    if (v !== '' && !PLAIN_WORD.test(v)) throw new UnsafeNspawnFlagError(v);
    lines.set(k, `${k}=${v}`);
  }
  return writeConfLines(o.confFile, lines);
}

async function writeConfLines(confFile: string, wanted: ReadonlyMap<string, string>): Promise<{ changed: boolean }> {
  const before = await readText(confFile);
  const lines = before === null || before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const matchers = [...wanted.keys()].map((k) => [k, keyLine(k)] as const);
  const placed = new Set<string>();
  const out: string[] = [];
  for (const l of lines) {
    const key = matchers.find(([, re]) => re.test(l))?.[0];
    if (key === undefined) out.push(l);
    else if (!placed.has(key)) {
      out.push(wanted.get(key)!);
      placed.add(key);
    } // a duplicate key would override ours: drop it
  }
  for (const [k, line] of wanted) if (!placed.has(k)) out.push(line);
  const after = out.join('\n') + '\n';
  if (after === before) return { changed: false };

  await mkdir(path.dirname(confFile), { recursive: true });
  const mode = before === null ? 0o644 : (await stat(confFile)).mode & 0o7777;
  const tmp = `${confFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, after, { mode });
    await chmod(tmp, mode); // writeFile's mode is filtered by the umask
    await rename(tmp, confFile);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { changed: true };
}
