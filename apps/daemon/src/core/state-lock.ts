import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HiveError } from '@hive/core';

export class StateDirBusyError extends HiveError {
  readonly code = 'STATE_DIR_BUSY';
  constructor(readonly stateDir: string, readonly pid: number | null) {
    super(`another hive daemon${pid ? ` (pid ${pid})` : ''} is using ${stateDir}: stop it first, or pick another --state`);
  }
}

/** The lock file: a SQLite db whose exclusive lock this daemon holds for its lifetime. */
export const STATE_LOCK_FILE = 'hive.lock';
/** Informational only (the message names it); the lock itself never trusts a pid. */
const PID_FILE = 'daemon.pid';

/**
 * One daemon per state dir: two would fight over the same repos and agent ports.
 * The lock is SQLite's exclusive lock on `<state>/hive.lock` (a POSIX record lock), which the
 * kernel drops when its holder dies — so a restart straight after `kill -9` is never refused,
 * and no pid is ever guessed alive. Record locks are not inherited by children, so a leftover
 * harness cannot keep it either. Returns the release function.
 */
export function lockStateDir(root: string): () => void {
  const db = new Database(path.join(root, STATE_LOCK_FILE), { timeout: 0 });
  try {
    // Exclusive mode keeps the lock after the first write transaction, until the connection closes.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder; COMMIT;');
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw new StateDirBusyError(root, readPid(root));
    throw e;
  }
  const pidFile = path.join(root, PID_FILE);
  writeFileSync(pidFile, `${process.pid}\n`);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (readPid(root) === process.pid) rmSync(pidFile, { force: true });
    db.close();
  };
}

function readPid(root: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(root, PID_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
