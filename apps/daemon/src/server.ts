import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import type { Logger } from 'pino';
import { createLogger } from './log.js';
import type { ContainerRuntime } from '@hive/containers';
import type { DaemonConfig } from './config.js';
import { Hive } from './core/hive.js';
import { createApi } from './api/app.js';
import { attachEventSocket } from './api/live.js';
import { serveDashboard } from './api/static.js';

export interface RunningDaemon {
  hive: Hive;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** The agent page's built files, served by the daemon itself at /agents/<n>/ (never by the harness). */
function agentPageDir(): string {
  try {
    return path.join(path.dirname(fileURLToPath(import.meta.resolve('@hive/agent-harness'))), 'page');
  } catch {
    return path.resolve('apps/agent-harness/dist/page');
  }
}

function dashboardDir(): string {
  try {
    const require = createRequire(import.meta.url);
    return path.join(path.dirname(require.resolve('@hive/dashboard/package.json')), 'dist');
  } catch {
    return path.resolve('apps/dashboard/dist');
  }
}

/** Starts the daemon: HTTP API + live socket + dashboard, then recovery and the agents. */
export async function startDaemon(config: DaemonConfig, o: { log?: Logger; runtime?: ContainerRuntime } = {}): Promise<RunningDaemon> {
  const log = o.log ?? createLogger(config.logLevel);
  const hive = new Hive({ config, log, runtime: o.runtime });
  const app = createApi(hive, log, { agentPageDir: agentPageDir() });
  serveDashboard(app, dashboardDir());
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const wss = attachEventSocket(server, hive);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.dashboardPort, config.bind, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.bind.includes(':') ? `[${config.bind}]` : config.bind === '0.0.0.0' ? '127.0.0.1' : config.bind;
  const url = `http://${host}:${port}`;
  log.info({ url }, 'dashboard listening');
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.closeAllConnections?.();
    await new Promise<void>((r) => server.close(() => r()));
    await hive.close();
  };
  try {
    await hive.start(url);
  } catch (e) {
    await close();
    throw e;
  }
  return { hive, server, url, close };
}
