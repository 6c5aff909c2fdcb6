import path from 'node:path';

const tails = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier call for the same repo has settled: meta writes never interleave in one process. */
export function serialized<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const key = path.resolve(dir);
  const prev = tails.get(key) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return run;
}
