import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { findExecutable } from './sandbox.js';

/**
 * `GET /api/health` on loopback (the one harness route without auth, answering
 * `{ ok: true, name }`): the parsed body on a 200, else null (plain http: fetch's first
 * call costs ~100 ms).
 */
export function probeHealth(port: number): Promise<{ ok?: unknown; name?: unknown; settings?: unknown } | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/health', timeout: 1000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(null);
        try {
          resolve(JSON.parse(text) as { ok?: unknown; name?: unknown; settings?: unknown });
        } catch {
          resolve(null);
        }
      });
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** Whether 127.0.0.1:port can be bound right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

let pdeathsig: boolean | undefined;
/** Whether util-linux setpriv knows --pdeathsig (≥ 2.33). */
export function supportsPdeathsig(): boolean {
  if (pdeathsig !== undefined) return pdeathsig;
  const bin = findExecutable('setpriv');
  pdeathsig = false;
  if (bin) {
    try {
      // util-linux ≥ 2.33; older setpriv would reject the flag at spawn time.
      const help = readFileSync(bin).includes('pdeathsig');
      pdeathsig = help;
    } catch {
      pdeathsig = false;
    }
  }
  return pdeathsig;
}
