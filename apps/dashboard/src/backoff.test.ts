import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from half a second without jitter', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, () => 0))).toEqual([500, 1000, 2000, 4000]);
  });
  it('never waits more than ten seconds plus jitter', () => {
    expect(backoffDelay(30, () => 0)).toBe(10_000);
    expect(backoffDelay(30, () => 1)).toBe(12_000);
  });
});
