import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';

/** Reads a small JSON file from the agent's state dir; null when missing or unreadable. */
export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/**
 * Reads a JSON-lines log of the agent's state dir: every line `schema` accepts, in order; [] when
 * the file is missing. A torn last line (a crash mid-append) or a foreign line is skipped: a log
 * is an account, not something to fail a start over.
 */
export function readJsonLines<S extends z.ZodType>(file: string, schema: S): z.infer<S>[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: z.infer<S>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      continue;
    }
    const r = schema.safeParse(raw);
    if (r.success) out.push(r.data);
  }
  return out;
}

/** Appends one JSON line (mode 0600), first ending a torn last line so the new one stays readable. */
export function appendJsonLine(file: string, value: unknown): void {
  const fd = openSync(file, 'a+', 0o600);
  try {
    const { size } = fstatSync(fd);
    const last = Buffer.alloc(1);
    const torn = size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
    writeSync(fd, (torn ? '\n' : '') + JSON.stringify(value) + '\n');
  } finally {
    closeSync(fd);
  }
}

/** Writes a small JSON file atomically (temp + rename), so a crash never leaves half a file. */
export function writeJsonFile(file: string, value: unknown, mode = 0o600): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode });
  renameSync(tmp, file);
}

/** Removes a state file; missing is fine. */
export function removeFile(file: string): void {
  rmSync(file, { force: true });
}
