import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Hono } from 'hono';
import { RouteNotFoundError } from './http-errors.js';

/** Content types of the built pages the daemon serves (the dashboard, the agent page). */
export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

/** Serves the built dashboard from `dir`; unknown paths get index.html; nothing outside `dir`. */
export function serveDashboard(app: Hono<any>, dir: string): void {
  const root = path.resolve(dir);
  app.get('*', async (c) => {
    const url = new URL(c.req.url);
    if (url.pathname.startsWith('/api/')) throw new RouteNotFoundError('GET', url.pathname);
    let file = path.resolve(root, '.' + decodeURIComponent(url.pathname));
    if (!file.startsWith(root + path.sep) && file !== root) throw new RouteNotFoundError('GET', url.pathname);
    const st = await stat(file).catch(() => null);
    if (!st || st.isDirectory()) file = path.join(root, 'index.html');
    const body = await readFile(file).catch(() => null);
    if (!body)
      return c.html('<!doctype html><title>hyperhive</title><p>dashboard not built: run <code>pnpm build</code></p>', 503);
    const cache = file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
    return c.body(body, 200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': cache });
  });
}
