import type { Hono } from 'hono';
import { RouteNotFoundError, serveFile } from '@hive/http-edge';

/** Serves the built dashboard from `dir` (a single-page app: unknown paths get index.html); nothing outside `dir`. */
export function serveDashboard(app: Hono<any>, dir: string): void {
  app.get('*', async (c) => {
    const { pathname } = new URL(c.req.url);
    if (pathname.startsWith('/api/')) throw new RouteNotFoundError('GET', pathname);
    return serveFile(c, { root: dir, rel: pathname.slice(1), spa: true, notBuilt: 'dashboard not built: run pnpm build' });
  });
}
