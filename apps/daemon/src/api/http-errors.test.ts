import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { HiveError } from '@hive/core';
import { PortTakenError } from '@hive/ports';
import { GitError, ProposalRefusedError } from '@hive/gitops';
import { AgentExistsError, AgentNotFoundError } from '../errors.js';
import { RouteNotFoundError } from '@hive/http-edge';
import { errorResponse, HTTP_STATUS, statusFor } from './http-errors.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Production sources whose errors can reach the daemon's API: the libraries it composes and the daemon itself. */
function productionSources(): string[] {
  const roots = ['core', 'gitops', 'ports', 'containers', 'metaflake', 'protocol', 'http-edge'].map((p) => path.join(REPO, 'packages', p, 'src'));
  roots.push(path.join(REPO, 'apps', 'daemon', 'src'));
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'test-support' && e.name !== 'node_modules') walk(p);
      } else if (/\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name) && e.name !== 'testing.ts') out.push(p);
    }
  };
  for (const r of roots) walk(r);
  return out;
}

function answer(err: unknown) {
  const app = new Hono();
  app.onError((e, c) => errorResponse(c, e, pino({ level: 'silent' })));
  app.get('/', () => {
    throw err;
  });
  return app.request('http://127.0.0.1/');
}

describe('error codes → HTTP statuses, in one table', () => {
  it('has a status for every error code a library or the daemon declares or answers with', () => {
    const codes = new Set<string>();
    for (const file of productionSources()) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/readonly code = '([A-Z_]+)'/g)) codes.add(m[1]!);
      for (const m of text.matchAll(/\bcode: '([A-Z_]+)'/g)) codes.add(m[1]!);
    }
    expect(codes.size).toBeGreaterThan(40);
    expect([...codes].filter((c) => !Object.hasOwn(HTTP_STATUS, c)).sort()).toEqual([]);
  });

  it('leaves statuses out of every error class: libraries and the daemon carry codes only', () => {
    // With no status on HiveError, a subclass needs no `override` to set one: match the numeric field itself too.
    for (const file of productionSources()) expect(readFileSync(file, 'utf8'), file).not.toMatch(/override readonly status\b|\bstatus\s*=\s*\d{3}\b/);
  });

  it('answers library errors with the status the table gives their code', async () => {
    const cases: [Error, number, string][] = [
      [new PortTakenError(8101, 'agao'), 409, 'PORT_TAKEN'],
      [new ProposalRefusedError('x', 'rule', 'too big'), 422, 'PROPOSAL_REFUSED'],
      [new GitError(['status'], 'fatal: broken'), 500, 'GIT_FAILED'],
      [new AgentNotFoundError('coder'), 404, 'AGENT_NOT_FOUND'],
      [new RouteNotFoundError('GET', '/api/nope'), 404, 'NOT_FOUND'],
    ];
    for (const [err, status, code] of cases) {
      const res = await answer(err);
      expect(res.status, code).toBe(status);
      expect(await res.json()).toEqual({ error: err.message.split('\n')[0], code });
    }
  });

  it('decides by code, whatever status an error object still carries', async () => {
    const teapot = Object.assign(new AgentExistsError('coder'), { status: 418 });
    expect((await answer(teapot)).status).toBe(409);
  });

  it('answers a code it does not know, and any other throw, as a one-line 500', async () => {
    class Stray extends HiveError {
      readonly code = 'NO_SUCH_CODE';
    }
    expect(statusFor('NO_SUCH_CODE')).toBe(500);
    const stray = await answer(new Stray('first line\nsecond line'));
    expect(stray.status).toBe(500);
    expect(await stray.json()).toEqual({ error: 'first line', code: 'NO_SUCH_CODE' });
    const plain = await answer(new TypeError('boom\n    at frame'));
    expect(plain.status).toBe(500);
    expect(await plain.json()).toEqual({ error: 'internal error: boom', code: 'INTERNAL' });
  });

  it('knows no status for inherited object keys', () => {
    expect(statusFor('constructor')).toBe(500);
    expect(statusFor('toString')).toBe(500);
  });
});
