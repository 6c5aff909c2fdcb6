import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from 'hono';
import { RouteNotFoundError } from './errors.js';

/** Content types of the built pages hyperhive serves (the dashboard, the agent page): the one table. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

/** The content type for a file name; unknown extensions are opaque bytes. */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** What `serveFile` needs to know about one request. */
export interface ServeFileOptions {
  /** The built page's directory; nothing outside it is ever read. */
  root: string;
  /** The file asked for, relative to `root`, still URL-encoded; '' means index.html. */
  rel: string;
  /** A single-page app: a missing file answers index.html (client-side routes). */
  spa?: boolean;
  /** The 503 text when index.html itself is missing: how to build the page. */
  notBuilt: string;
}

/**
 * Answers one static file of a built page: its content type from the one table, `nosniff`, and
 * hashed `assets/` cached for good while the rest revalidates. A path leaving `root` (`..`,
 * an encoded slash), a malformed escape or a missing file is a RouteNotFoundError.
 */
export async function serveFile(c: Context, o: ServeFileOptions): Promise<Response> {
  const root = path.resolve(o.root);
  const notFound = () => new RouteNotFoundError(c.req.method, new URL(c.req.url).pathname);
  let rel: string;
  try {
    rel = decodeURIComponent(o.rel) || 'index.html';
  } catch {
    throw notFound();
  }
  let file = path.resolve(root, rel);
  if (!file.startsWith(root + path.sep)) throw notFound();
  const st = await stat(file).catch(() => null);
  if (!st?.isFile()) {
    if (!o.spa && rel !== 'index.html') throw notFound();
    file = path.join(root, 'index.html');
  }
  const data = await readFile(file).catch(() => null);
  if (!data) {
    if (file === path.join(root, 'index.html')) return c.text(o.notBuilt, 503);
    throw notFound();
  }
  const immutable = path.relative(root, file).startsWith(`assets${path.sep}`);
  return c.body(data, 200, {
    'content-type': contentTypeOf(file),
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
}
