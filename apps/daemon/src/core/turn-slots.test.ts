import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.js';
import { maxTurnsFrom, TurnSlots, TURN_MEMORY_BYTES } from './turn-slots.js';

const settled = async <T>(p: Promise<T>) => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('TurnSlots', () => {
  it('grants up to max at once and serves the waiters in arrival order as slots free', async () => {
    const slots = new TurnSlots(2);
    const a = await slots.acquire('a');
    const b = await slots.acquire('b');
    const c = slots.acquire('c');
    const d = slots.acquire('d');
    expect(await settled(c)).toBe(false);
    expect(slots.waiting).toEqual(['c', 'd']);
    b.release();
    const lc = await c;
    expect(lc.agent).toBe('c');
    expect(await settled(d)).toBe(false);
    expect(slots.running.sort()).toEqual(['a', 'c']);
    a.release();
    expect((await d).agent).toBe('d');
    expect(slots.waiting).toEqual([]);
  });

  it('a newcomer never overtakes a waiter, even when it arrives just as a slot frees', async () => {
    const slots = new TurnSlots(1);
    const a = await slots.acquire('a');
    const b = slots.acquire('b');
    a.release();
    const c = slots.acquire('c');
    expect((await b).agent).toBe('b');
    expect(await settled(c)).toBe(false);
  });

  it('releasing twice frees one slot only', async () => {
    const slots = new TurnSlots(1);
    const a = await slots.acquire('a');
    const b = slots.acquire('b');
    const c = slots.acquire('c');
    a.release();
    a.release();
    await b;
    expect(await settled(c)).toBe(false);
    expect(slots.running).toEqual(['b']);
  });

  it('an aborted waiter leaves the queue and rejects with the reason; the next one is served', async () => {
    const slots = new TurnSlots(1);
    const a = await slots.acquire('a');
    const ac = new AbortController();
    const b = slots.acquire('b', ac.signal);
    const c = slots.acquire('c');
    ac.abort(new Error('harness gone'));
    await expect(b).rejects.toThrow('harness gone');
    expect(slots.waiting).toEqual(['c']);
    a.release();
    expect((await c).agent).toBe('c');
    expect(slots.running).toEqual(['c']);
  });

  it('releaseAgent frees what a dead harness held and the queue moves on', async () => {
    const slots = new TurnSlots(1);
    await slots.acquire('a');
    const b = slots.acquire('b');
    expect(slots.releaseAgent('a')).toBe(1);
    expect((await b).agent).toBe('b');
    expect(slots.releaseAgent('a')).toBe(0);
  });

  it('gives one agent one slot at a time: its second request waits while others are served', async () => {
    const slots = new TurnSlots(3);
    const a1 = await slots.acquire('a');
    const a2 = slots.acquire('a');
    const b = slots.acquire('b');
    expect((await b).agent).toBe('b');
    expect(await settled(a2)).toBe(false);
    expect(slots.wouldWait('a')).toBe(true);
    expect(slots.wouldWait('c')).toBe(false);
    expect(slots.running.sort()).toEqual(['a', 'b']);
    a1.release();
    expect((await a2).agent).toBe('a');
  });

  it('refuses a max below 1', () => {
    expect(() => new TurnSlots(0)).toThrow(RangeError);
  });
});

describe('maxTurnsFrom', () => {
  it('reads HIVE_MAX_TURNS', () => {
    expect(maxTurnsFrom({ HIVE_MAX_TURNS: '3' }, 64 * 2 ** 30)).toBe(3);
  });

  it('defaults to total memory / 400 MB, at least 1', () => {
    expect(maxTurnsFrom({}, 24 * 2 ** 30)).toBe(Math.floor((24 * 2 ** 30) / TURN_MEMORY_BYTES));
    expect(maxTurnsFrom({}, 100 * 2 ** 20)).toBe(1);
    expect(maxTurnsFrom({ HIVE_MAX_TURNS: '' }, 100 * 2 ** 20)).toBe(1);
  });

  it('refuses a value that is not a whole number ≥ 1, naming the variable', () => {
    for (const bad of ['0', '-2', '1.5', 'many']) expect(() => maxTurnsFrom({ HIVE_MAX_TURNS: bad })).toThrow(ConfigError);
    expect(() => maxTurnsFrom({ HIVE_MAX_TURNS: 'x' })).toThrow(/HIVE_MAX_TURNS/);
  });
});
