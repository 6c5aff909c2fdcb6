import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseHarnessEnv } from './config.js';
import type { Harness } from './harness.js';

/** The file the runtime writes into HIVE_RELOAD_DIR (read-only to the agent): `{ generation, env }`. */
export const RELOAD_FILE = 'settings.json';

/**
 * Reload in place: the runtime drops a new harness env (what it would start the harness with)
 * into a directory bound read-only into the sandbox and sends SIGUSR2; the harness applies it and
 * reports the generation on `/api/health`, which is how the runtime knows it took. The agent cannot
 * write there, so it cannot feed its harness settings no one approved (a SIGUSR2 of its own only
 * re-reads the approved file); a bad file is logged and ignored (the runtime then restarts the
 * harness). A signal, not inotify: a watch per harness would exhaust the host's inotify instances
 * long before 500 agents.
 */
export const RELOAD_SIGNAL = 'SIGUSR2';

export function onSettingsReload(harness: Harness, dir: string | undefined): () => void {
  if (!dir) return () => undefined;
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
  process.on(RELOAD_SIGNAL, apply);
  return () => process.off(RELOAD_SIGNAL, apply);
}
