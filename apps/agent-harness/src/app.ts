import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { HiveError } from '@hive/core';
import { InboxItem } from '@hive/protocol';
import { BadRequestError } from './errors.js';
import type { Harness } from './harness.js';
import { hostAllowed } from '@hive/core';
import { sameOrigin } from './origin.js';
import { daemonKeyMatches } from './daemon-key.js';

const ChatBody = z.object({ text: z.string().trim().min(1, 'a message is required').max(64000) });

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * The harness's error answers, `{error, code}` like the daemon's, with the status per code decided
 * here (the daemon's api/http-errors.ts is its table); any other HiveError is the caller's input.
 */
const STATUS: Readonly<Record<string, ContentfulStatusCode>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BIND_FAILED: 500,
  INTERNAL: 500,
};

function errorAnswer(c: Context, code: string, error: string): Response {
  return c.json({ error, code }, Object.hasOwn(STATUS, code) ? STATUS[code]! : 400);
}

/** A mutation whose Origin is present and foreign is refused (CSRF); GET and HEAD pass. */
const sameOriginOnly: MiddlewareHandler = async (c, next) => {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
  const origin = c.req.header('origin');
  if (origin && !sameOrigin(origin, new URL(c.req.url).host)) return errorAnswer(c, 'FORBIDDEN', 'cross-origin request refused');
  return next();
};

/** JSON mutations must say so: a cross-site form cannot send application/json without a preflight. */
const jsonOnly: MiddlewareHandler = async (c, next) => {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) return errorAnswer(c, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
  return next();
};

async function jsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new BadRequestError('body is not valid JSON');
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new BadRequestError(`${i.path.join('.') || 'body'}: ${i.message}`);
  }
  return r.data;
}


/** The harness's HTTP API and page; sockets are attached to the node server separately. */
export function createApp(harness: Harness, opts: { pageDir: string }): Hono {
  const app = new Hono();
  const pageDir = path.resolve(opts.pageDir);

  app.use('*', bodyLimit({ maxSize: 256 * 1024, onError: (c) => errorAnswer(c, 'PAYLOAD_TOO_LARGE', 'request body too large') }));
  // DNS rebinding: bound to loopback, the page answers only loopback Host names.
  app.use('*', async (c, next) => {
    if (!hostAllowed(harness.config.host, c.req.header('host') ?? new URL(c.req.url).host)) return errorAnswer(c, 'FORBIDDEN', 'host refused: open this page as 127.0.0.1 or localhost');
    return next();
  });
  // Readiness probe: no credential, nothing but the name.
  app.get('/api/health', (c) => c.json({ ok: true, name: harness.config.name }));
  // Everything else is the operator's (through the daemon, which adds its key) or the daemon's:
  // never the agent's own processes, which share this host's loopback.
  app.use('/api/*', async (c, next) => {
    if (!daemonKeyMatches(c.req.header('authorization'), harness.config.daemonKeySha256))
      return errorAnswer(c, 'UNAUTHORIZED', 'open this page from the dashboard (/agents/<name>/): the harness answers only the daemon');
    return next();
  });
  app.use('/api/*', sameOriginOnly);

  app.get('/api/state', (c) => c.json(harness.state()));

  app.get('/api/history', (c) => {
    const limit = z.coerce.number().int().min(1).max(2000).catch(500).parse(c.req.query('limit') ?? 500);
    return c.json({ entries: harness.history.list(limit) });
  });

  app.post('/api/model', async (c) => {
    const type = c.req.header('content-type') ?? '';
    // Form-encoded per the contract; JSON is accepted too for scripts.
    const body = /^application\/json\b/i.test(type) ? await jsonBody(c, z.object({ model: z.unknown() })) : await c.req.parseBody();
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
  app.post('/api/cancel', async (c) => {
    const cancelled = harness.cancel();
    return c.json({ cancelled, state: harness.state() });
  });

  app.post('/api/inbox', jsonOnly, async (c) => {
    const item = await jsonBody(c, InboxItem);
    const entry = harness.deliver(item);
    return c.json({ entry_id: entry.id, turn: entry.turn }, 202);
  });

  app.get('*', async (c) => {
    const rel = c.req.path === '/' ? 'index.html' : decodeURIComponent(c.req.path.slice(1));
    const file = path.resolve(pageDir, rel);
    if (!file.startsWith(pageDir + path.sep)) return errorAnswer(c, 'NOT_FOUND', 'not found');
    try {
      const data = await readFile(file);
      const cache = rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      return c.body(data, 200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'cache-control': cache });
    } catch {
      if (rel === 'index.html') return c.text('page not built: run `pnpm --filter @hive/agent-harness build`', 503);
      return errorAnswer(c, 'NOT_FOUND', 'not found');
    }
  });

  app.notFound((c) => errorAnswer(c, 'NOT_FOUND', 'not found'));
  app.onError((err, c) => {
    if (err instanceof HiveError) return errorAnswer(c, err.code, err.message);
    harness.log.error({ err }, 'request failed');
    return errorAnswer(c, 'INTERNAL', 'internal error');
  });
  return app;
}
