import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Hono } from 'hono';
import { WebSocket, WebSocketServer } from 'ws';
import { isValidAgentName } from '@hive/core';
import { agentWebPort } from '@hive/ports';
import type { Hive } from '../core/hive.js';
import { harnessUrl } from '../core/context.js';
import { csrfGuard, isMutation, serveFile } from '@hive/http-edge';
import { AgentAnswerTooLargeError, AgentNotFoundError, AgentUnreachableError } from '../errors.js';
import { operatorAuth, operatorOf, type AuthEnv } from './auth.js';
import { assertThawed } from '../core/freeze.js';
import { audited } from './audit.js';

const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * Each agent's page for the operator, at `/agents/<n>/` on the dashboard's origin.
 * The page's files are the daemon's own copy (an agent controls its harness process,
 * so nothing it serves may run as script on this origin); only `api/*` is forwarded,
 * with the daemon's key for that agent, and every answer is forced to inert JSON.
 */
export function agentPages(hive: Hive, pageDir: string): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const { ctx } = hive;
  const portOf = (name: string): number => {
    if (!isValidAgentName(name) || !ctx.store.getAgent(name)) throw new AgentNotFoundError(name);
    return agentWebPort(name, ctx.ports);
  };

  app.use(
    '/:name/api/*',
    audited(ctx.store, (c) => (isMutation(c.req.method) ? { action: `page.${c.req.path.split('/api/')[1]}`, target: c.req.param('name') } : null)),
  );
  app.use('/:name/api/*', operatorAuth(ctx.operator, ctx.tokens));
  // The harness cannot see the operator's origin: the daemon checks it here, as for its own API
  // (form bodies only for the page's POST /api/model, where the SameSite=Strict cookie holds too).
  app.use('/:name/api/*', csrfGuard({ types: ['application/json', 'application/x-www-form-urlencoded'] }));
  app.all('/:name/api/*', async (c) => {
    const name = c.req.param('name');
    const port = portOf(name);
    const url = new URL(c.req.url);
    const rest = url.pathname.slice(`/agents/${name}`.length);
    // Frozen means no new turns: the page's chat waits for the thaw like the inbox does.
    if (rest === '/api/chat') assertThawed(ctx);
    const headers: Record<string, string> = { authorization: `Bearer ${ctx.keys.keyFor(name)}` };
    const type = c.req.header('content-type');
    if (type) headers['content-type'] = type;
    let res: Response;
    try {
      res = await fetch(`${await harnessUrl(ctx, name)}${rest}${url.search}`, {
        method: c.req.method,
        headers,
        body: isMutation(c.req.method) ? await c.req.arrayBuffer() : undefined,
        redirect: 'manual',
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new AgentUnreachableError(name, port, (e as Error).message);
    }
    const body = await res.arrayBuffer();
    if (body.byteLength > MAX_ANSWER_BYTES) throw new AgentAnswerTooLargeError(name, MAX_ANSWER_BYTES);
    return c.body(body, res.status as 200, {
      'content-type': 'application/json; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'no-store',
    });
  });

  app.get('/:name', (c) => c.redirect(`/agents/${encodeURIComponent(c.req.param('name'))}/`));
  app.get('/:name/*', async (c) => {
    portOf(c.req.param('name'));
    const rel = c.req.path.slice(`/agents/${c.req.param('name')}/`.length);
    return serveFile(c, { root: pageDir, rel, notBuilt: 'agent page not built: run pnpm build' });
  });
  return app;
}

/** `/agents/<n>/api/ws`: the operator's page socket, piped to the harness's with the daemon's key. */
export function agentSocketUpgrade(hive: Hive) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  return (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, refuse: (code: number, text: string) => void): void => {
    const m = /^\/agents\/([^/]+)\/api\/ws$/.exec(url.pathname);
    const name = m?.[1] ?? '';
    if (!m || !isValidAgentName(name) || !hive.ctx.store.getAgent(name)) return refuse(404, 'Not Found');
    if (!operatorOf(hive.ctx.operator, { authorization: req.headers.authorization, cookie: req.headers.cookie })) return refuse(401, 'Unauthorized');
    void harnessUrl(hive.ctx, name, 'ws').then((base) => {
      const upstream = new WebSocket(`${base}/api/ws`, {
        headers: { authorization: `Bearer ${hive.ctx.keys.keyFor(name)}` },
        maxPayload: 16 * 1024 * 1024,
      });
      let opened = false;
      upstream.once('error', () => {
        if (!opened) refuse(502, 'Bad Gateway');
      });
      upstream.once('open', () => {
        opened = true;
        wss.handleUpgrade(req, socket, head, (ws) => {
          upstream.on('message', (data, isBinary) => ws.readyState === ws.OPEN && ws.send(data, { binary: isBinary }));
          ws.on('message', (data, isBinary) => upstream.readyState === upstream.OPEN && upstream.send(data, { binary: isBinary }));
          const end = () => {
            ws.close();
            upstream.close();
          };
          upstream.on('close', end);
          upstream.on('error', end);
          ws.on('close', end);
          ws.on('error', end);
        });
      });
    });
  };
}
