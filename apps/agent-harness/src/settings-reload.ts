import { readFileSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { parseHarnessEnv } from './config.js';
import type { Harness } from './harness.js';

/** The file the runtime writes into HIVE_RELOAD_DIR (read-only to the agent): `{ generation, env }`. */
export const RELOAD_FILE = 'settings.json';

/**
 * Reload in place: the runtime drops a new harness env (what it would start the harness with)
 * into a directory bound read-only into the sandbox; the harness applies it and reports the
 * generation on `/api/health`, which is how the runtime knows it took. The agent cannot write
 * there, so it cannot feed its harness settings no one approved; a bad file is logged and ignored
 * (the runtime then restarts the harness instead).
 */
export function watchSettingsReload(harness: Harness, dir: string | undefined): FSWatcher | null {
  if (!dir) return null;
  const apply = () => {
    let raw: { generation?: unknown; env?: unknown };
    try {
      raw = JSON.parse(readFileSync(path.join(dir, RELOAD_FILE), 'utf8')) as typeof raw;
    } catch {
      return; // not there (yet), or mid-rename: the next event has it
    }
    if (typeof raw.generation !== 'string' || raw.generation === harness.settingsGeneration || !raw.env || typeof raw.env !== 'object') return;
    try {
      const env = raw.env as NodeJS.ProcessEnv;
      harness.reload(parseHarnessEnv(env), env, raw.generation);
    } catch (e) {
      harness.log.error({ err: (e as Error).message }, 'settings reload refused: the runtime will restart the harness');
    }
  };
  try {
    const w = watch(dir, { persistent: false }, (_, file) => {
      if (!file || file === RELOAD_FILE) apply();
    });
    w.on('error', (e) => harness.log.warn({ err: e.message }, 'settings reload watch failed'));
    return w;
  } catch (e) {
    harness.log.warn({ dir, err: (e as Error).message }, 'cannot watch for settings reloads: deploys restart the harness');
    return null;
  }
}
