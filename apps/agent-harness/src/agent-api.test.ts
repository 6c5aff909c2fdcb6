import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentApiClient } from './agent-api.js';
import { AgentApiError } from './errors.js';

interface Held {
  res: http.ServerResponse;
  closed: Promise<void>;
  auth: string | undefined;
}

/** A daemon stand-in for `turn_slot` only: each request is held open until the test writes to it. */
async function slotServer(status = 200) {
  const held: Held[] = [];
  let arrived: () => void = () => {};
  const server = http.createServer((req, res) => {
    req.resume();
    if (status !== 200) {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no slots here' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    held.push({ res, auth: req.headers.authorization, closed: new Promise((r) => res.on('close', () => r())) });
    arrived();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    held,
    next: () => new Promise<Held>((r) => (held.length ? r(held.at(-1)!) : (arrived = () => r(held.at(-1)!)))),
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

let stop: (() => Promise<void>) | null = null;
afterEach(async () => {
  await stop?.();
  stop = null;
});

describe('AgentApiClient.holdTurnSlot', () => {
  it('reports the wait, resolves on the grant, and holds the connection until release', async () => {
    const s = await slotServer();
    stop = s.close;
    const api = new AgentApiClient({ daemonUrl: s.url, token: 'agent-token' });
    const queued: number[] = [];
    const lease = api.holdTurnSlot({ signal: new AbortController().signal, onQueued: (p) => queued.push(p) });
    const h = await s.next();
    expect(h.auth).toBe('Bearer agent-token');
    h.res.write('{"queued":true,"position":2,"max":1}\n');
    await new Promise((r) => setTimeout(r, 50));
    expect(queued).toEqual([2]);
    h.res.write('{"granted":true,"max":1}\n{"beat":true}\n');
    const l = await lease;
    let closed = false;
    void h.closed.then(() => (closed = true));
    h.res.write('{"beat":true}\n');
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    l!.release();
    await h.closed;
  });

  it('an abort while queued rejects and closes the request', async () => {
    const s = await slotServer();
    stop = s.close;
    const api = new AgentApiClient({ daemonUrl: s.url, token: 't' });
    const ac = new AbortController();
    const lease = api.holdTurnSlot({ signal: ac.signal });
    const h = await s.next();
    h.res.write('{"queued":true,"position":1}\n');
    ac.abort(new Error('turn cancelled'));
    await expect(lease).rejects.toThrow('turn cancelled');
    await h.closed;
  });

  it('a daemon without slots (404) means none, and a stream that ends before a grant is an error', async () => {
    const none = await slotServer(404);
    const api404 = new AgentApiClient({ daemonUrl: none.url, token: 't' });
    expect(await api404.holdTurnSlot({ signal: new AbortController().signal })).toBeNull();
    await none.close();
    const s = await slotServer();
    stop = s.close;
    const api = new AgentApiClient({ daemonUrl: s.url, token: 't' });
    const lease = api.holdTurnSlot({ signal: new AbortController().signal });
    (await s.next()).res.end('{"queued":true,"position":1}\n');
    await expect(lease).rejects.toBeInstanceOf(AgentApiError);
  });
});
