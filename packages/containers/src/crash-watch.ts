/**
 * Polls container statuses and reports running → stopped transitions nobody asked for.
 * nixos-container has no event stream, so polling is the only portable signal.
 */
export class CrashWatch {
  private readonly last = new Map<string, 'running' | 'stopped'>();
  private readonly expectedDown = new Set<string>();
  // Bumped on every stop/start we make: a poll that overlapped one cannot judge that container.
  private readonly epoch = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly o: {
      intervalMs: number;
      /** Current status of every container worth watching; names absent from the map are forgotten. */
      poll: () => Promise<Map<string, 'running' | 'stopped'>>;
      onCrash: (name: string) => void;
      onError: (error: unknown) => void;
    },
  ) {}

  /** Starts polling (idempotent); the timer never keeps the process alive. */
  start(): void {
    if (this.timer || this.o.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick(), this.o.intervalMs);
    this.timer.unref();
  }

  /** Marks a stop/destroy as ours before it runs, so the transition it causes is not a crash. */
  expectDown(name: string): void {
    this.bump(name);
    this.expectedDown.add(name);
  }

  /** A (re)start or a failed stop: a later stop is unexpected again. */
  expectUp(name: string): void {
    this.bump(name);
    this.expectedDown.delete(name);
  }

  private bump(name: string): void {
    this.epoch.set(name, (this.epoch.get(name) ?? 0) + 1);
  }

  /** Runs one poll now (tests and the timer share it); overlapping ticks collapse into one. */
  tick(): Promise<void> {
    this.inFlight ??= this.pollOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private async pollOnce(): Promise<void> {
    const epochs = new Map(this.epoch);
    let now: Map<string, 'running' | 'stopped'>;
    try {
      now = await this.o.poll();
    } catch (e) {
      this.o.onError(e);
      return;
    }
    for (const name of [...this.last.keys()]) if (!now.has(name)) this.last.delete(name);
    for (const [name, status] of now) {
      if (this.epoch.get(name) !== epochs.get(name)) {
        this.last.delete(name); // re-baseline on the next poll
        continue;
      }
      const before = this.last.get(name);
      this.last.set(name, status);
      if (before === 'running' && status === 'stopped' && !this.expectedDown.has(name)) this.o.onCrash(name);
    }
  }
}
