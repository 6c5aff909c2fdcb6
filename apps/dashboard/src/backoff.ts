/** Reconnect delay for attempt n (0-based): doubling from 500 ms, capped at 10 s, with up to 20% jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(10_000, 500 * 2 ** Math.max(0, attempt));
  return Math.round(base * (1 + 0.2 * random()));
}
