import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { EDGE_STATUS, errorResponse } from './error-body.js';
import { csrfGuard, hostGuard, isMutation, sameOrigin } from './origin.js';

const silent = { warn: () => {}, error: () => {} };

function app(guard: Parameters<Hono['use']>[1]) {
  const a = new Hono();
  a.onError((err, c) => errorResponse(c, err, { status: EDGE_STATUS, log: silent }));
  a.use('*', guard);
  a.all('*', (c) => c.json({ ok: true }));
  return a;
}

const send = (a: Hono, method: string, headers: Record<string, string> = {}) =>
  a.request('http://127.0.0.1:7777/api/x', { method, headers, body: method === 'GET' ? undefined : '{}' });

describe('sameOrigin', () => {
  it('matches the exact origin of a request to this Host, case-insensitively and with default ports', () => {
    expect(sameOrigin('http://127.0.0.1:7777', '127.0.0.1:7777')).toBe(true);
    expect(sameOrigin('http://LOCALHOST:7777', 'localhost:7777')).toBe(true);
    expect(sameOrigin('http://localhost', 'LocalHost:80')).toBe(true);
    expect(sameOrigin('https://hive.example.org', 'hive.example.org', 'https:')).toBe(true);
  });

  it('refuses another port, host or scheme, "null", garbage and a missing Host', () => {
    expect(sameOrigin('http://127.0.0.1:7778', '127.0.0.1:7777')).toBe(false);
    expect(sameOrigin('http://evil.example', '127.0.0.1:7777')).toBe(false);
    expect(sameOrigin('https://127.0.0.1:7777', '127.0.0.1:7777')).toBe(false);
    expect(sameOrigin('http://hive.example.org', 'hive.example.org', 'https:')).toBe(false);
    expect(sameOrigin('file://127.0.0.1:7777', '127.0.0.1:7777')).toBe(false);
    expect(sameOrigin('null', '127.0.0.1:7777')).toBe(false);
    expect(sameOrigin('not a url', '127.0.0.1:7777')).toBe(false);
    expect(sameOrigin('http://127.0.0.1:7777', undefined)).toBe(false);
  });
});

describe('csrfGuard', () => {
  const json = { 'content-type': 'application/json' };

  it('refuses a mutation from a foreign Origin with 403 FORBIDDEN naming it', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await send(app(csrfGuard()), method, { ...json, origin: 'http://evil.example' });
      expect(res.status, method).toBe(403);
      expect(await res.json()).toEqual({ error: 'cross-origin request from http://evil.example refused', code: 'FORBIDDEN' });
    }
  });

  it('refuses our own host over another scheme', async () => {
    expect((await send(app(csrfGuard()), 'POST', { ...json, origin: 'https://127.0.0.1:7777' })).status).toBe(403);
  });

  it('lets through mutations from its own origin or without an Origin, and reads from anywhere', async () => {
    expect((await send(app(csrfGuard()), 'POST', { ...json, origin: 'http://127.0.0.1:7777' })).status).toBe(200);
    expect((await send(app(csrfGuard()), 'POST', json)).status).toBe(200);
    expect((await send(app(csrfGuard()), 'GET', { origin: 'http://evil.example' })).status).toBe(200);
  });

  it('refuses mutations that are not JSON with 415, a charset parameter allowed', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', '']) {
      const res = await send(app(csrfGuard()), 'POST', type ? { 'content-type': type } : {});
      expect(res.status, type).toBe(415);
      expect(await res.json()).toEqual({ error: 'mutations need Content-Type: application/json', code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    expect((await send(app(csrfGuard()), 'POST', { 'content-type': 'Application/JSON; charset=utf-8' })).status).toBe(200);
  });

  it('takes the content types it is given, and with types null checks the origin only', async () => {
    const form = app(csrfGuard({ types: ['application/json', 'application/x-www-form-urlencoded'] }));
    expect((await send(form, 'POST', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(200);
    expect((await send(form, 'POST', { 'content-type': 'text/plain' })).status).toBe(415);
    const any = app(csrfGuard({ types: null }));
    expect((await send(any, 'POST', { 'content-type': 'text/plain' })).status).toBe(200);
    expect((await send(any, 'POST', { 'content-type': 'text/plain', origin: 'http://evil.example' })).status).toBe(403);
  });

  it('knows which methods mutate', () => {
    expect(['POST', 'put', 'PATCH', 'DELETE'].every(isMutation)).toBe(true);
    expect(['GET', 'HEAD', 'OPTIONS'].some(isMutation)).toBe(false);
  });
});

describe('hostGuard', () => {
  it('bound to loopback, answers loopback Host names and refuses others with 403 saying how to reach it', async () => {
    const a = app(hostGuard('127.0.0.1', 'reach the daemon as 127.0.0.1 or localhost'));
    expect((await send(a, 'GET', { host: 'localhost:7777' })).status).toBe(200);
    expect((await send(a, 'GET', { host: '127.0.0.1:7777' })).status).toBe(200);
    const res = await send(a, 'GET', { host: 'evil.example:7777' });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: 'host "evil.example:7777" refused: reach the daemon as 127.0.0.1 or localhost (DNS rebinding guard)',
      code: 'FORBIDDEN',
    });
  });

  it('bound wider, answers any Host (tokens guard it instead)', async () => {
    expect((await send(app(hostGuard('0.0.0.0', 'x')), 'GET', { host: 'hive.example.org' })).status).toBe(200);
  });
});
