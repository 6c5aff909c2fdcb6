type Seen = 'running' | 'stopped';

/**
 * Polls container statuses and reports running → stopped transitions nobody asked for.
 * nixos-container has no event stream, so polling is the only portable signal.
 */
export class CrashWatch {
  private readonly last = new Map<string, Seen>();
  private readonly expectedDown = new Set<string>();
  // Bumped on every start/stop we make: a poll that overlapped one cannot judge that container.
  private readonly epoch = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly o: {
      intervalMs: number;
      /** Current status of every container worth watching; names absent from the map are forgotten. */
      poll: () => Promise<Map<string, Seen>>;
      onCrash: (name: string) => void;
      onError: (error: unknown) => void;
    },
  ) {}

  /** Starts polling (idempotent); the timer never keeps the process alive. */
  start(): void {
    if (this.timer || this.o.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (!this.busy) void this.tick(); // a slow poll must not pile up behind itself
    }, this.o.intervalMs);
    this.timer.unref();
  }

  /** Before we start or stop a container: a stop we asked for is not a crash. */
  intend(name: string, status: Seen): void {
    this.bump(name);
    if (status === 'stopped') this.expectedDown.add(name);
    else this.expectedDown.delete(name);
  }

  /** After our start/stop succeeded: the new baseline, without waiting for a poll. */
  confirm(name: string, status: Seen): void {
    this.bump(name);
    this.last.set(name, status);
  }

  /** After a failed start/stop: state unknown, re-baseline on the next poll. */
  forget(name: string): void {
    this.bump(name);
    this.expectedDown.delete(name);
    this.last.delete(name);
  }

  /** Runs a fresh poll after any in-flight one (tests and the timer share it). */
  tick(): Promise<void> {
    this.queue = this.queue.then(() => this.pollOnce());
    return this.queue;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.queue;
  }

  private bump(name: string): void {
    this.epoch.set(name, (this.epoch.get(name) ?? 0) + 1);
  }

  private async pollOnce(): Promise<void> {
    this.busy = true;
    const epochs = new Map(this.epoch);
    let now: Map<string, Seen>;
    try {
      now = await this.o.poll();
    } catch (e) {
      this.o.onError(e);
      return;
    } finally {
      this.busy = false;
    }
    for (const name of [...this.last.keys()]) if (!now.has(name) && this.epoch.get(name) === epochs.get(name)) this.last.delete(name);
    for (const [name, status] of now) {
      if (this.epoch.get(name) !== epochs.get(name)) continue; // we acted on it meanwhile
      const before = this.last.get(name);
      this.last.set(name, status);
      if (before === 'running' && status === 'stopped' && !this.expectedDown.has(name)) this.o.onCrash(name);
    }
  }
}
