import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Reads a small JSON file from the agent's state dir; null when missing or unreadable. */
export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return null;
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
