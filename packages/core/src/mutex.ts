/**
 * A FIFO mutex per key: calls with one key run one at a time, in call order; different keys run
 * in parallel. In-process only: it orders async work, it does not lock files against other processes.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` once every earlier call with `key` has settled; resolves or rejects as `fn` does. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn);
    // The stored tail never rejects, so one failure does not poison the queue behind it.
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    // An idle key holds no memory: the last call out removes its tail.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
