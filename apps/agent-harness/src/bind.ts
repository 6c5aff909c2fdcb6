import type { Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BindFailedError } from './errors.js';

export interface BindOptions {
  port: number;
  host: string;
  /** Attempts before giving up (the original retried 12 times). */
  tries?: number;
  /** Pause between attempts. */
  retryMs?: number;
  /** Called before each retry, so every failed attempt is logged. */
  onRetry?: (info: { attempt: number; tries: number; error: NodeJS.ErrnoException }) => void;
}

function listenOnce(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // Node (libuv) sets SO_REUSEADDR on every TCP listen socket on Unix, so a port
    // in TIME_WAIT binds at once; the retry covers a previous process still alive.
    server.listen({ port, host, exclusive: true });
  });
}

/** Listens with a bounded retry on EADDRINUSE; throws BindFailedError after the last try. Returns the bound port. */
export async function listenWithRetry(server: Server, opts: BindOptions): Promise<number> {
  const { port, host, tries = 12, retryMs = 1000, onRetry } = opts;
  for (let attempt = 1; ; attempt++) {
    try {
      await listenOnce(server, port, host);
      const addr = server.address();
      return typeof addr === 'object' && addr ? addr.port : port;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'EADDRINUSE') throw err;
      onRetry?.({ attempt, tries, error: e });
      if (attempt >= tries) throw new BindFailedError(host, port, tries, { cause: e });
      await sleep(retryMs);
    }
  }
}
