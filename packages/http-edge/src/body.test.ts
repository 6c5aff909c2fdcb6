import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bodyCap, intParam, jsonBody } from './body.js';
import { EDGE_STATUS, errorResponse } from './error-body.js';

const silent = { warn: () => {}, error: () => {} };

function app() {
  const a = new Hono();
  a.onError((err, c) => errorResponse(c, err, { status: EDGE_STATUS, log: silent }));
  a.use('*', bodyCap(1024));
  a.post('/echo', async (c) => c.json(await jsonBody(c, z.object({ text: z.string().min(1) }))));
  a.post('/any', async (c) => c.json(await jsonBody(c, z.object({}).strict())));
  a.get('/items/:id', (c) => c.json({ id: intParam(c, 'id') }));
  return a;
}

const post = (path: string, body: string) => app().request(`http://127.0.0.1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('bodyCap', () => {
  it('passes a body at the cap through to the route', async () => {
    const text = 'x'.repeat(1024 - '{"text":""}'.length);
    const res = await post('/echo', JSON.stringify({ text }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ text });
  });

  it('refuses a body one byte over the cap with 413 PAYLOAD_TOO_LARGE naming the limit', async () => {
    const res = await post('/echo', JSON.stringify({ text: 'x'.repeat(1024 - '{"text":""}'.length + 1) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'request body too large: the limit is 1024 bytes', code: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('jsonBody', () => {
  it('answers malformed JSON with a one-line 400', async () => {
    const res = await post('/echo', '{oops');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'malformed JSON body', code: 'BAD_REQUEST' });
  });

  it('names the field a schema miss is about', async () => {
    const res = await post('/echo', '{"text":""}');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^text: /);
  });

  it('reads an empty body as {}, and a strict schema refuses extra keys', async () => {
    expect((await post('/any', '')).status).toBe(200);
    const extra = await post('/any', '{"purge":true}');
    expect(extra.status).toBe(400);
    expect(((await extra.json()) as { code: string }).code).toBe('BAD_REQUEST');
  });
});

describe('intParam', () => {
  it('takes a positive integer and refuses anything else, naming the parameter', async () => {
    expect(await (await app().request('http://127.0.0.1/items/42')).json()).toEqual({ id: 42 });
    for (const bad of ['0', '-1', '1e3', '01', 'x', '12345678901234567']) {
      const res = await app().request(`http://127.0.0.1/items/${bad}`);
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/^id must be a positive integer, got "/);
    }
  });
});
