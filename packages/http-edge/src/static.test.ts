import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { EDGE_STATUS, errorResponse } from './error-body.js';
import { contentTypeOf, serveFile } from './static.js';

const silent = { warn: () => {}, error: () => {} };

/** A built page: index.html, a hashed asset, a directory, and a secret beside the root. */
function site(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hive-edge-'));
  const root = path.join(dir, 'page');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><hive-app></hive-app>');
  writeFileSync(path.join(root, 'assets', 'app-1a2b.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'logo.svg'), '<svg/>');
  writeFileSync(path.join(root, 'data.bin'), 'bytes');
  writeFileSync(path.join(dir, 'secret.txt'), 'operator-token');
  return root;
}

function app(root: string, spa = false) {
  const a = new Hono();
  a.onError((err, c) => errorResponse(c, err, { status: EDGE_STATUS, log: silent }));
  a.get('*', (c) => serveFile(c, { root, rel: c.req.path.slice(1), spa, notBuilt: 'page not built: run pnpm build' }));
  return a;
}

const get = (a: Hono, p: string) => a.request(`http://127.0.0.1${p}`);

describe('serveFile', () => {
  it('serves index.html for / and files with their content type from the one table', async () => {
    const a = app(site());
    const index = await get(a, '/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await index.text()).toContain('<hive-app>');
    expect((await get(a, '/logo.svg')).headers.get('content-type')).toBe('image/svg+xml');
    expect((await get(a, '/data.bin')).headers.get('content-type')).toBe('application/octet-stream');
  });

  it('caches hashed assets for good', async () => {
    const res = await get(app(site()), '/assets/app-1a2b.js');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('never reads outside the root: .., encoded slashes and malformed escapes are 404', async () => {
    const root = site();
    for (const p of ['/..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%E0%A4%A']) {
      const res = await get(app(root), p);
      expect(res.status, p).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('NOT_FOUND');
      // A single-page app answers index.html for what is no file inside its root, never the file beside it.
      expect(await (await get(app(root, true), p)).text(), p).not.toContain('operator-token');
    }
  });

  it('answers a missing file or a directory with 404 NOT_FOUND', async () => {
    const a = app(site());
    expect(await (await get(a, '/nope.js')).json()).toEqual({ error: 'no route GET /nope.js', code: 'NOT_FOUND' });
    expect((await get(a, '/assets')).status).toBe(404);
  });

  it('as a single-page app, answers index.html for paths that are no file', async () => {
    const res = await get(app(site(), true), '/approvals/7');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<hive-app>');
  });

  it('says how to build the page when index.html is missing', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'hive-edge-empty-'));
    for (const spa of [false, true]) {
      const res = await get(app(empty, spa), '/');
      expect(res.status).toBe(503);
      expect(await res.text()).toBe('page not built: run pnpm build');
    }
    expect((await get(app(empty, true), '/deep/link')).status).toBe(503);
    expect((await get(app(empty), '/x.js')).status).toBe(404);
  });

  it('names content types case-insensitively by extension', () => {
    expect(contentTypeOf('/x/INDEX.HTML')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('app.js.map')).toBe('application/json');
  });
});
