import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ChatEntry } from '@hive/protocol';

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
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return;
    }
    // A torn last line (crash mid-write) is skipped rather than failing the start.
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        continue;
      }
      const r = ChatEntry.safeParse(raw);
      if (!r.success) continue;
      this.#entries.push(r.data);
      this.#nextId = Math.max(this.#nextId, r.data.id + 1);
      if (r.data.turn !== null) this.#lastTurn = Math.max(this.#lastTurn, r.data.turn);
    }
    if (this.#entries.length > MEMORY_LIMIT) this.#entries = this.#entries.slice(-MEMORY_LIMIT);
  }

  /** Appends an entry (id and timestamp assigned here) and returns it. */
  append(entry: Pick<ChatEntry, 'role' | 'text' | 'turn'>): ChatEntry {
    const full: ChatEntry = { id: this.#nextId++, ts: new Date().toISOString(), ...entry };
    appendFileSync(this.file, JSON.stringify(full) + '\n', { mode: 0o600 });
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
