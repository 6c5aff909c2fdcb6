import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ChatEntry } from '@hive/protocol';
import { appendJsonLine, readJsonLines } from './state-files.js';

/** Entries kept in memory for the page; the file keeps everything. */
const MEMORY_LIMIT = 2000;

/** The chat log: one JSON line per entry under the agent's state dir, reloaded on start. */
export class History {
  readonly file: string;
  #entries: ChatEntry[] = [];
  #nextId = 1;
  #lastTurn = 0;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.file = path.join(stateDir, 'history.jsonl');
    this.#load();
  }

  #load(): void {
    const entries = readJsonLines(this.file, ChatEntry);
    for (const e of entries) {
      this.#nextId = Math.max(this.#nextId, e.id + 1);
      if (e.turn !== null) this.#lastTurn = Math.max(this.#lastTurn, e.turn);
    }
    this.#entries = entries.slice(-MEMORY_LIMIT);
  }

  /** Appends an entry (id and timestamp assigned here) and returns it. */
  append(entry: Pick<ChatEntry, 'role' | 'text' | 'turn'>): ChatEntry {
    const full: ChatEntry = { id: this.#nextId++, ts: new Date().toISOString(), ...entry };
    appendJsonLine(this.file, full);
    this.#entries.push(full);
    if (this.#entries.length > MEMORY_LIMIT) this.#entries.shift();
    return full;
  }

  /** The most recent entries, oldest first. */
  list(limit = 500): ChatEntry[] {
    return this.#entries.slice(-limit);
  }

  /** The highest turn number recorded, so turn numbers keep rising across restarts. */
  lastTurn(): number {
    return this.#lastTurn;
  }
}
