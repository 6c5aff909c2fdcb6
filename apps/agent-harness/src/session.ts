import path from 'node:path';
import { z } from 'zod';
import { readJsonFile, removeFile, writeJsonFile } from './state-files.js';

const SessionFile = z.object({ session_id: z.string().min(1).max(200) });

/** The claude session id, persisted so every turn (and a restarted harness) resumes the same conversation. */
export class SessionStore {
  readonly file: string;
  #id: string | null;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'session.json');
    const r = SessionFile.safeParse(readJsonFile(this.file));
    this.#id = r.success ? r.data.session_id : null;
  }

  get(): string | null {
    return this.#id;
  }

  set(id: string): void {
    if (id === this.#id) return;
    this.#id = id;
    writeJsonFile(this.file, { session_id: id });
  }

  /** Forgets the session, so the next turn starts a fresh conversation. */
  clear(): void {
    this.#id = null;
    removeFile(this.file);
  }
}
