import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { HarnessFrame } from '@hive/protocol';
import { hostAllowed } from '@hive/core';
import { sameOrigin } from '@hive/http-edge';
import { daemonKeyMatches } from './daemon-key.js';

/** The page sockets on `/api/ws`: every frame goes to every open page. */
export class FrameHub {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  readonly #clients = new Set<WebSocket>();

  /** `hello` produces the frames a freshly connected page gets first (the current state). */
  constructor(private readonly hello: () => HarnessFrame[]) {}

  /** Takes over upgrades of `/api/ws` on the node server; other paths, foreign origins and callers without the daemon key are refused. */
  attach(server: Server, bind = '127.0.0.1', keySha256: string | null = null): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const origin = req.headers.origin;
      if (url.pathname !== '/api/ws' || !hostAllowed(bind, req.headers.host) || (origin && !sameOrigin(origin, req.headers.host))) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
        return;
      }
      // The daemon proxies the operator's page socket with its key; nobody else gets frames.
      if (!daemonKeyMatches(req.headers.authorization, keySha256)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
    });
  }

  #accept(ws: WebSocket): void {
    this.#clients.add(ws);
    ws.on('close', () => this.#clients.delete(ws));
    ws.on('error', () => this.#clients.delete(ws));
    for (const frame of this.hello()) ws.send(JSON.stringify(frame));
  }

  /** Sends one frame to every open page. */
  broadcast(frame: HarnessFrame): void {
    const data = JSON.stringify(frame);
    for (const ws of this.#clients) if (ws.readyState === ws.OPEN) ws.send(data);
  }

  /** Closes every socket (shutdown). */
  close(): void {
    for (const ws of this.#clients) ws.terminate();
    this.#clients.clear();
    this.#wss.close();
  }
}
