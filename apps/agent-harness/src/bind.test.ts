import net from 'node:net';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { listenWithRetry } from './bind.js';
import { BindFailedError } from './errors.js';
import { harnessEnv, startHarness, daemonFetch } from './test-support/harness-process.js';
import { harnessMainPath } from './testing.js';

// These harnesses never run a turn, so claude's API is never called: nothing listens on port 9.
const NO_API = 'http://127.0.0.1:9';

async function holdPort(): Promise<{ blocker: net.Server; port: number }> {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  return { blocker, port: (blocker.address() as net.AddressInfo).port };
}

describe('listenWithRetry', () => {
  it('binds once the holder of the port lets go, logging every failed try', async () => {
    const { blocker, port } = await holdPort();
    const server = net.createServer();
    const retries: number[] = [];
    const bound = listenWithRetry(server, {
      port,
      host: '127.0.0.1',
      tries: 12,
      retryMs: 50,
      onRetry: ({ attempt }) => {
        retries.push(attempt);
        if (attempt === 3) blocker.close();
      },
    });
    await expect(bound).resolves.toBe(port);
    expect(retries).toEqual([1, 2, 3]);
    server.close();
  });

  it('gives up with BindFailedError after the last try', async () => {
    const { blocker, port } = await holdPort();
    const server = net.createServer();
    let calls = 0;
    const err = await listenWithRetry(server, { port, host: '127.0.0.1', tries: 4, retryMs: 5, onRetry: () => calls++ }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BindFailedError);
    expect((err as BindFailedError).message).toContain(`cannot bind 127.0.0.1:${port}: address still in use after 4 tries`);
    expect(calls).toBe(4);
    blocker.close();
  });
});

describe('the harness process', () => {
  it('binds a port that another socket frees after a few tries', async () => {
    const { blocker, port } = await holdPort();
    const h = await startHarness(harnessEnv(NO_API, { HIVE_PORT: String(port), HIVE_BIND_RETRY_MS: '100' }), (out) => {
      if (out.includes('(try 3/12)') && blocker.listening) blocker.close();
    });
    expect(h.port).toBe(port);
    expect(h.output()).toContain(`port ${port} in use (try 3/12)`);
    expect(h.output()).not.toContain('(try 12/12)');
    const res = await daemonFetch(`${h.url}/api/state`);
    expect(res.status).toBe(200);
    await h.stop();
  });

  it('exits 1 with a clear message after 12 logged tries when the port stays taken', async () => {
    const { blocker, port } = await holdPort();
    const r = await execa(process.execPath, [harnessMainPath], {
      env: harnessEnv(NO_API, { HIVE_PORT: String(port), HIVE_BIND_RETRY_MS: '20' }),
      extendEnv: false,
      reject: false,
    });
    blocker.close();
    expect(r.exitCode).toBe(1);
    const tries = r.stdout.split('\n').filter((l) => l.includes(`port ${port} in use (try`));
    expect(tries).toHaveLength(12);
    expect(tries[11]).toContain('(try 12/12)');
    expect(r.stderr.trim()).toBe(
      `hive-harness: fatal: cannot bind 127.0.0.1:${port}: address still in use after 12 tries — another process holds the port (stop it, or give this agent another port)`,
    );
  });
});
