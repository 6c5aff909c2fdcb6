import { describe, expect, it } from 'vitest';
import { CrashWatch } from './crash-watch.js';

type Seen = 'running' | 'stopped';

function watch(intervalMs = 0) {
  const world = new Map<string, Seen>();
  const crashes: string[] = [];
  const errors: unknown[] = [];
  let gate: Promise<void> | undefined;
  let entered: () => void = () => {};
  const polls = { count: 0 };
  const w = new CrashWatch({
    intervalMs,
    poll: async () => {
      const snapshot = new Map(world);
      polls.count++;
      entered();
      await gate;
      return snapshot;
    },
    onCrash: (n) => crashes.push(n),
    onError: (e) => errors.push(e),
  });
  /** Makes the next poll pause right after reading the world; resolves once it has. */
  const hold = () => {
    let release!: () => void;
    gate = new Promise<void>((r) => (release = r));
    const inside = new Promise<void>((r) => (entered = r));
    return {
      inside,
      release: () => {
        gate = undefined;
        release();
      },
    };
  };
  return { w, world, crashes, errors, hold, polls };
}

describe('CrashWatch', () => {
  it('reports running → stopped once, and nothing for containers it never saw running', async () => {
    const { w, world, crashes } = watch();
    world.set('a', 'running').set('b', 'stopped');
    await w.tick();
    world.set('a', 'stopped');
    await w.tick();
    await w.tick();
    expect(crashes).toEqual(['a']);
  });

  it('ignores a stop it was told about, and reports again after a restart', async () => {
    const { w, world, crashes } = watch();
    w.intend('a', 'running');
    world.set('a', 'running');
    w.confirm('a', 'running');
    w.intend('a', 'stopped');
    world.set('a', 'stopped');
    w.confirm('a', 'stopped');
    await w.tick();
    expect(crashes).toEqual([]);
    w.intend('a', 'running');
    world.set('a', 'running');
    w.confirm('a', 'running');
    world.set('a', 'stopped');
    await w.tick();
    expect(crashes).toEqual(['a']);
  });

  it('does not judge a container from a poll that overlapped a stop and restart', async () => {
    const { w, world, crashes, hold } = watch();
    world.set('a', 'running');
    await w.tick();
    // the poll reads 'stopped' mid-way through our own stop → start
    w.intend('a', 'stopped');
    world.set('a', 'stopped');
    const held = hold();
    const p = w.tick();
    await held.inside; // it has read 'stopped'
    w.confirm('a', 'stopped');
    w.intend('a', 'running');
    world.set('a', 'running');
    w.confirm('a', 'running');
    held.release();
    await p;
    await w.tick();
    expect(crashes).toEqual([]);
  });

  it('reports a failing poll and keeps going', async () => {
    const { w, crashes, errors } = watch();
    const bad = new CrashWatch({ intervalMs: 0, poll: () => Promise.reject(new Error('boom')), onCrash: () => {}, onError: (e) => errors.push(e) });
    await bad.tick();
    await w.tick();
    expect(errors).toHaveLength(1);
    expect(crashes).toEqual([]);
  });

  it('polls on its own timer once started and stops cleanly', async () => {
    const { w, world, crashes, polls } = watch(10);
    world.set('a', 'running');
    w.start();
    await expect.poll(() => polls.count, { timeout: 2000 }).toBeGreaterThan(0);
    world.set('a', 'stopped');
    await expect.poll(() => crashes, { timeout: 2000 }).toEqual(['a']);
    await w.stop();
    const after = polls.count;
    await new Promise((r) => setTimeout(r, 50));
    expect(polls.count).toBe(after);
  });
});
