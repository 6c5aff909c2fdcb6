import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventFrame } from '@hive/protocol';
import type { Hive } from '../core/hive.js';
import { hostAllowed } from '@hive/core';
import { sameOrigin } from '@hive/http-edge';
import { operatorOf } from './auth.js';
import { agentSocketUpgrade } from './agent-pages.js';

/**
 * The server's WebSocket upgrades: the live event socket `/api/events/ws` (a hello with the
 * last event id, any events after `?after=<id>` so a reconnecting client misses nothing, then
 * every new event) and each agent page's socket `/agents/<n>/api/ws`. Both need the operator.
 */
export function attachEventSocket(server: Server, hive: Hive): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const clients = new Set<WebSocket>();
  const agentSocket = agentSocketUpgrade(hive);
  hive.ctx.bus.subscribe((event) => {
    if (clients.size === 0) return;
    const frame = JSON.stringify({ kind: 'event', event } satisfies EventFrame);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(frame);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let url: URL;
    try {
      // An empty or malformed Host must not throw here: this handler runs outside any error boundary.
      url = new URL(req.url ?? '/', `http://${req.headers.host || 'localhost'}`);
    } catch {
      return refuse(socket, 400, 'Bad Request');
    }
    if (!hostAllowed(hive.ctx.config.bind, req.headers.host)) return refuse(socket, 403, 'Forbidden');
    // Cross-site WebSocket hijacking: browsers always send Origin; it must be ours.
    const origin = req.headers.origin;
    if (origin && !sameOrigin(origin, url.host)) return refuse(socket, 403, 'Forbidden');
    if (url.pathname.startsWith('/agents/')) return agentSocket(req, socket, head, url, (code, text) => refuse(socket, code, text));
    if (url.pathname !== '/api/events/ws') return refuse(socket, 404, 'Not Found');
    // Browsers send the session cookie on the upgrade; scripts send the bearer token.
    if (!operatorOf(hive.ctx.operator, { authorization: req.headers.authorization, cookie: req.headers.cookie })) return refuse(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
      const after = Number(url.searchParams.get('after') ?? '');
      ws.send(JSON.stringify({ kind: 'hello', last_event_id: hive.ctx.store.lastEventId() } satisfies EventFrame));
      if (Number.isSafeInteger(after) && after > 0)
        for (const event of hive.ctx.store.listEvents({ afterId: after, limit: 1000 }).reverse())
          ws.send(JSON.stringify({ kind: 'event', event } satisfies EventFrame));
    });
  });
  return wss;
}

function refuse(socket: Duplex, code: number, text: string): void {
  socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
