#!/usr/bin/env node
/** The harness process: parse env once, bind with retry, serve the page and run turns until a signal. */
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { pino } from 'pino';
import { createApp } from './app.js';
import { listenWithRetry } from './bind.js';
import { parseHarnessEnv, type HarnessConfig } from './config.js';
import { BindFailedError } from './errors.js';
import { Harness } from './harness.js';
import { onSettingsReload } from './settings-reload.js';

let config: HarnessConfig;
try {
  config = parseHarnessEnv(process.env);
} catch (err) {
  process.stderr.write(`hive-harness: ${(err as Error).message}\n`);
  process.exit(2);
}

const log = pino({ name: `harness:${config.name}`, level: process.env.LOG_LEVEL ?? 'info' });
const harness = new Harness(config, log);
const pageDir = fileURLToPath(new URL('./page/', import.meta.url));
const app = createApp(harness, { pageDir });
const server = createAdaptorServer({ fetch: app.fetch }) as Server;
harness.hub.attach(server, config.host, config.daemonKeySha256);
if (!config.daemonKeySha256) log.warn('HIVE_DAEMON_KEY_SHA256 is not set: the page API and inbox refuse every request');

try {
  harness.port = await listenWithRetry(server, {
    port: config.port,
    host: config.host,
    tries: config.bindTries,
    retryMs: config.bindRetryMs,
    onRetry: ({ attempt, tries }) =>
      log.warn({ attempt, tries, port: config.port }, `port ${config.port} in use (try ${attempt}/${tries})`),
  });
} catch (err) {
  const message = err instanceof BindFailedError ? err.message : `cannot bind ${config.host}:${config.port}: ${(err as Error).message}`;
  log.fatal({ port: config.port }, message);
  process.stderr.write(`hive-harness: fatal: ${message}\n`);
  process.exit(1);
}
log.info({ port: harness.port, model: harness.models.current() }, `listening on http://${config.host}:${harness.port}`);
const stopReloads = onSettingsReload(harness, process.env.HIVE_RELOAD_DIR);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'stopping');
  stopReloads();
  server.close();
  server.closeAllConnections?.();
  await harness.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
