import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { HiveError } from '@hive/core';
import { EDGE_STATUS, errorResponse, oneLine, statusFor, type StatusTable } from './error-body.js';
import { BadRequestError, ForbiddenError, PayloadTooLargeError, RouteNotFoundError, UnauthorizedError, UnsupportedMediaTypeError } from './errors.js';

class AgentGone extends HiveError {
  readonly code = 'AGENT_GONE';
}

function answer(err: unknown, status: StatusTable = EDGE_STATUS) {
  const logged: { level: string; obj: object; msg: string }[] = [];
  const log = { warn: (obj: object, msg: string) => logged.push({ level: 'warn', obj, msg }), error: (obj: object, msg: string) => logged.push({ level: 'error', obj, msg }) };
  const a = new Hono();
  a.onError((e, c) => errorResponse(c, e, { status, log }));
  a.get('/', () => {
    throw err;
  });
  return { res: a.request('http://127.0.0.1/'), logged };
}

describe('errorResponse', () => {
  it('answers each edge error with {error, code} and the status of its code', async () => {
    const cases: [Error, number][] = [
      [new BadRequestError('bad'), 400],
      [new UnauthorizedError('who'), 401],
      [new ForbiddenError('no'), 403],
      [new RouteNotFoundError('GET', '/x'), 404],
      [new PayloadTooLargeError(10), 413],
      [new UnsupportedMediaTypeError('json please'), 415],
    ];
    for (const [err, status] of cases) {
      const res = await answer(err).res;
      expect(res.status, err.name).toBe(status);
      expect(await res.json()).toEqual({ error: err.message, code: (err as HiveError).code });
    }
  });

  it("takes the status from the caller's table, by code alone", async () => {
    const res = await answer(Object.assign(new AgentGone('coder is gone'), { status: 418 }), { ...EDGE_STATUS, AGENT_GONE: 410 }).res;
    expect(res.status).toBe(410);
    expect(await res.json()).toEqual({ error: 'coder is gone', code: 'AGENT_GONE' });
  });

  it('answers a code the table lacks as 500, sends only the first line, and warns to add it', async () => {
    const { res, logged } = answer(new AgentGone('first line\nsecond line'));
    expect((await res).status).toBe(500);
    expect(await (await res).json()).toEqual({ error: 'first line', code: 'AGENT_GONE' });
    expect(logged).toEqual([{ level: 'warn', obj: { code: 'AGENT_GONE' }, msg: expect.stringMatching(/add it to the status table/) }]);
  });

  it('answers any other throw as a one-line 500 INTERNAL without the stack, and logs it', async () => {
    const { res, logged } = answer(new TypeError('boom\n    at frame (x.js:1:1)'));
    expect((await res).status).toBe(500);
    expect(await (await res).json()).toEqual({ error: 'internal error: boom', code: 'INTERNAL' });
    expect(logged.map((l) => l.level)).toEqual(['error']);
  });
});

describe('statusFor and oneLine', () => {
  it('knows no status for inherited object keys', () => {
    expect(statusFor(EDGE_STATUS, 'constructor')).toBe(500);
    expect(statusFor(EDGE_STATUS, 'toString')).toBe(500);
    expect(statusFor(EDGE_STATUS, 'FORBIDDEN')).toBe(403);
  });

  it('keeps the first non-blank line, capped at 500 characters', () => {
    expect(oneLine('\n  \nfirst\nsecond')).toBe('first');
    expect(oneLine('x'.repeat(600))).toBe('x'.repeat(500) + '…');
  });
});
