import { openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import path from 'node:path';
import { HiveError } from '@hive/core';

export class StateDirBusyError extends HiveError {
  readonly code = 'STATE_DIR_BUSY';
  override readonly status = 409;
  constructor(readonly stateDir: string, readonly pid: number) {
    super(`another hive daemon (pid ${pid}) is using ${stateDir}: stop it first, or pick another --state`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One daemon per state dir: two would fight over the same repos and agent ports.
 * A pid file left by a killed daemon (its pid gone) is taken over.
 */
export function lockStateDir(root: string): () => void {
  const file = path.join(root, 'daemon.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (Number(readFileSync(file, 'utf8')) === process.pid) rmSync(file, { force: true });
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new StateDirBusyError(root, pid);
      rmSync(file, { force: true });
    }
  }
  throw new StateDirBusyError(root, -1);
}
