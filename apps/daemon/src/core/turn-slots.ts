import os from 'node:os';
import { ConfigError } from '../config.js';

/** What one running claude turn is budgeted at (a measured peak is ~310 MB), for the default slot count. */
export const TURN_MEMORY_BYTES = 400 * 1024 * 1024;

/** `HIVE_MAX_TURNS`, else floor(total memory / 400 MB), at least 1: how many claude turns may run at once across the hive. */
export function maxTurnsFrom(env: NodeJS.ProcessEnv, memTotal: number = os.totalmem()): number {
  const raw = env.HIVE_MAX_TURNS?.trim();
  if (!raw) return Math.max(1, Math.floor(memTotal / TURN_MEMORY_BYTES));
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(`bad config HIVE_MAX_TURNS=${JSON.stringify(raw)}: a whole number ≥ 1 (claude turns at once), or unset for memory / 400 MB`);
  return n;
}

/** A held slot: `release` gives it back (idempotent). */
export interface TurnLease {
  readonly agent: string;
  release(): void;
}

interface Waiter {
  agent: string;
  grant: (lease: TurnLease) => void;
}

/**
 * At most `max` claude turns at once across the hive, granted first come first served, and at most
 * one per agent: an agent (hostile, with its token) cannot hoard slots by asking again and again,
 * its second request waits for its first to end. Slots live in this process only: a daemon restart
 * starts with none held (the leases were its connections).
 */
export class TurnSlots {
  readonly #held = new Set<TurnLease>();
  readonly #queue: Waiter[] = [];

  constructor(readonly max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`turn slots: max must be a whole number ≥ 1, got ${max}`);
  }

  /** Agents holding a slot, one entry per lease. */
  get running(): string[] {
    return [...this.#held].map((l) => l.agent);
  }

  /** Agents waiting, in the order they will be served. */
  get waiting(): string[] {
    return this.#queue.map((w) => w.agent);
  }

  /** Whether every slot is held. */
  get full(): boolean {
    return this.#held.size >= this.max;
  }

  /** Whether `agent` asking now would wait: no free slot, it holds one already, or an eligible waiter is ahead. */
  wouldWait(agent: string): boolean {
    return this.full || this.#holds(agent) || this.#queue.some((w) => !this.#holds(w.agent));
  }

  /**
   * Resolves with a lease once a slot is free and every earlier caller has been served; an abort
   * before that drops the caller from the queue and rejects with the signal's reason.
   */
  acquire(agent: string, signal?: AbortSignal): Promise<TurnLease> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        agent,
        grant: (lease) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(lease);
        },
      };
      const onAbort = () => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      // Granted at once when a slot is free and nobody eligible is ahead.
      this.#serve();
    });
  }

  /** Releases every slot `agent` holds (its harness is gone); returns how many. Its waiters stay queued. */
  releaseAgent(agent: string): number {
    const mine = [...this.#held].filter((l) => l.agent === agent);
    for (const l of mine) l.release();
    return mine.length;
  }

  #lease(agent: string): TurnLease {
    let released = false;
    const lease: TurnLease = {
      agent,
      release: () => {
        if (released) return;
        released = true;
        this.#held.delete(lease);
        this.#serve();
      },
    };
    this.#held.add(lease);
    return lease;
  }

  #holds(agent: string): boolean {
    for (const l of this.#held) if (l.agent === agent) return true;
    return false;
  }

  #serve(): void {
    while (!this.full) {
      // The first waiter whose agent holds no slot yet; an agent's second request keeps its place.
      const i = this.#queue.findIndex((w) => !this.#holds(w.agent));
      if (i < 0) return;
      const [next] = this.#queue.splice(i, 1);
      next!.grant(this.#lease(next!.agent));
    }
  }
}
