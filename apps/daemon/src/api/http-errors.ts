import type { Context } from 'hono';
import { HiveError } from '@hive/core';
import type { Logger } from 'pino';

/** Maps any thrown value to `{error, code}` with a status; never a stack trace on the wire. */
export function errorResponse(c: Context, err: unknown, log: Logger): Response {
  if (err instanceof HiveError) return c.json({ error: oneLine(err.message), code: err.code }, err.status as 400);
  log.error({ err }, 'unexpected error');
  return c.json({ error: `internal error: ${oneLine(String((err as Error)?.message ?? err))}`, code: 'INTERNAL' }, 500);
}

export function oneLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim()) ?? s;
  return line.length > 500 ? line.slice(0, 500) + '…' : line;
}
