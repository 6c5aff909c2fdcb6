import { Hono } from 'hono';
import { z } from 'zod';
import { InboxItem } from '@hive/protocol';
import {
  EDGE_STATUS,
  RouteNotFoundError,
  UnauthorizedError,
  bodyCap,
  csrfGuard,
  errorResponse,
  hostGuard,
  jsonBody,
  serveFile,
  type StatusTable,
} from '@hive/http-edge';
import type { Harness } from './harness.js';
import { daemonKeyMatches } from './daemon-key.js';

const ChatBody = z.object({ text: z.string().trim().min(1, 'a message is required').max(64000) });
const ModelBody = z.object({ model: z.unknown() });
const MAX_BODY_BYTES = 256 * 1024;

/**
 * Every error code the harness answers with, and its HTTP status: the harness's one table (the
 * daemon's is api/http-errors.ts). Error classes carry codes only; an unknown code is a 500.
 */
export const HTTP_STATUS: StatusTable = {
  ...EDGE_STATUS,
  HARNESS_CONFIG: 500,
  BIND_FAILED: 500,
  // the daemon behind a tool call refused or failed it
  AGENT_API: 502,
};

/** The harness's HTTP API and page; sockets are attached to the node server separately. */
export function createApp(harness: Harness, opts: { pageDir: string }): Hono {
  const app = new Hono();
  app.onError((err, c) => errorResponse(c, err, { status: HTTP_STATUS, log: harness.log }));
  app.notFound((c) => errorResponse(c, new RouteNotFoundError(c.req.method, c.req.path), { status: HTTP_STATUS, log: harness.log }));

  app.use('*', bodyCap(MAX_BODY_BYTES));
  app.use('*', hostGuard(harness.config.host, 'open this page as 127.0.0.1 or localhost'));
  // Readiness probe: no credential, nothing but the name.
  app.get('/api/health', (c) => c.json({ ok: true, name: harness.config.name, settings: harness.settingsGeneration }));
  // Everything else is the operator's (through the daemon, which adds its key) or the daemon's:
  // never the agent's own processes, which share this host's loopback.
  app.use('/api/*', async (c, next) => {
    if (!daemonKeyMatches(c.req.header('authorization'), harness.config.daemonKeySha256))
      throw new UnauthorizedError('open this page from the dashboard (/agents/<name>/): the harness answers only the daemon');
    return next();
  });
  // POST /api/model is form-encoded per the contract; every other mutation is JSON (checked per route).
  app.use('/api/*', csrfGuard({ types: ['application/json', 'application/x-www-form-urlencoded'] }));
  const jsonOnly = csrfGuard();

  app.get('/api/state', (c) => c.json(harness.state()));

  app.get('/api/history', (c) => {
    const limit = z.coerce.number().int().min(1).max(2000).catch(500).parse(c.req.query('limit') ?? 500);
    return c.json({ entries: harness.history.list(limit) });
  });

  app.post('/api/model', async (c) => {
    // JSON is accepted too, for scripts.
    const json = /^application\/json\b/i.test(c.req.header('content-type') ?? '');
    const body = json ? await jsonBody(c, ModelBody) : await c.req.parseBody();
    return c.json(harness.setModel(body.model));
  });

  app.post('/api/chat', jsonOnly, async (c) => {
    const { text } = await jsonBody(c, ChatBody);
    const entry = harness.deliver({ kind: 'operator', from: 'operator', text });
    return c.json({ entry, state: harness.state() }, 202);
  });

  // The daemon's deploy gate: claude and every MCP server, checked from here (the agent's sandbox).
  app.post('/api/health-check', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { timeout_ms?: unknown };
    const t = typeof body.timeout_ms === 'number' && body.timeout_ms > 0 ? Math.min(body.timeout_ms, 60_000) : 10_000;
    return c.json(await harness.healthCheck(t));
  });
  app.post('/api/cancel', jsonOnly, async (c) => {
    const cancelled = harness.cancel();
    return c.json({ cancelled, state: harness.state() });
  });

  app.post('/api/inbox', jsonOnly, async (c) => {
    const item = await jsonBody(c, InboxItem);
    const entry = harness.deliver(item);
    return c.json({ entry_id: entry.id, turn: entry.turn }, 202);
  });

  app.get('*', (c) =>
    serveFile(c, { root: opts.pageDir, rel: c.req.path.slice(1), notBuilt: 'page not built: run `pnpm --filter @hive/agent-harness build`' }),
  );
  return app;
}
