import { describe, expect, it } from 'vitest';
import { KeyedMutex } from './index.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('KeyedMutex', () => {
  it('runs calls with one key one at a time, in call order', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    let inside = 0;
    const job = (n: number) =>
      m.run('k', async () => {
        inside += 1;
        expect(inside).toBe(1);
        log.push(`start ${n}`);
        await tick();
        log.push(`end ${n}`);
        inside -= 1;
        return n;
      });
    expect(await Promise.all([job(1), job(2), job(3)])).toEqual([1, 2, 3]);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('runs calls with different keys in parallel', async () => {
    const m = new KeyedMutex();
    let releaseA!: () => void;
    const a = m.run('a', () => new Promise<string>((r) => (releaseA = () => r('a'))));
    // b finishes while a still holds its key: a key never waits on another.
    expect(await m.run('b', async () => 'b')).toBe('b');
    releaseA();
    expect(await a).toBe('a');
  });

  it("passes a failure to its caller and still runs the next call for that key", async () => {
    const m = new KeyedMutex();
    const failed = m.run('k', async () => {
      await tick();
      throw new Error('boom');
    });
    const after = m.run('k', async () => 'ran');
    await expect(failed).rejects.toThrow('boom');
    expect(await after).toBe('ran');
  });

  it('treats a function that throws before its first await like a rejection', async () => {
    const m = new KeyedMutex();
    const bad = m.run('k', (() => {
      throw new Error('sync');
    }) as () => Promise<never>);
    await expect(bad).rejects.toThrow('sync');
    expect(await m.run('k', async () => 1)).toBe(1);
  });

  it('queues a call made from inside a held key behind the holder (no re-entry)', async () => {
    const m = new KeyedMutex();
    const order: string[] = [];
    await m.run('k', async () => {
      void m.run('k', async () => void order.push('inner'));
      await tick();
      order.push('outer done');
    });
    await m.run('k', async () => undefined);
    expect(order).toEqual(['outer done', 'inner']);
  });
});
