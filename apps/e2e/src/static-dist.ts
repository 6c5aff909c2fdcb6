import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const DIST = path.join(path.dirname(require.resolve('@hive/dashboard/package.json')), 'dist');

export interface StaticDist {
  /** A page that loads the built bundle (every component defined) with an empty body to mount fixtures in. */
  fixtureUrl: string;
  close(): Promise<void>;
}

/**
 * Serves the built dashboard's assets on 127.0.0.1 for component tests. There
 * is no API here on purpose: components under test get their data as properties.
 */
export async function serveDist(): Promise<StaticDist> {
  const index = readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const fixture = index.replace('<hive-app></hive-app>', '');
  if (fixture === index) throw new Error(`unexpected ${DIST}/index.html: no <hive-app> to strip`);
  const server: Server = createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    if (p === '/fixture.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(fixture);
    }
    const file = path.join(DIST, p);
    if (!file.startsWith(DIST + path.sep) || !p.startsWith('/assets/')) {
      res.writeHead(404);
      return res.end();
    }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/css' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    fixtureUrl: `http://127.0.0.1:${port}/fixture.html`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
