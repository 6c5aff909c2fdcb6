import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HiveError } from '@hive/core';

/** An error code → HTTP status table: each server keeps one, at its edge. */
export type StatusTable = Readonly<Record<string, ContentfulStatusCode>>;

/** The statuses of this package's own errors, for a server's table to include. */
export const EDGE_STATUS: StatusTable = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
};

/** Where unexpected errors and unmapped codes are reported (a pino logger fits). */
export interface EdgeLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The status `table` gives `code`; 500 for a code it does not know (inherited keys such as `toString` included). */
export function statusFor(table: StatusTable, code: string): ContentfulStatusCode {
  return Object.hasOwn(table, code) ? table[code]! : 500;
}

/** The first non-blank line of a message, capped at 500 characters: what goes on the wire. */
export function oneLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim()) ?? s;
  return line.length > 500 ? line.slice(0, 500) + '…' : line;
}

/**
 * Turns any thrown value into the error body `{ error, code }` with the table's status: the
 * status is decided by code alone, never by the error object, and a stack never reaches the wire.
 */
export function errorResponse(c: Context, err: unknown, o: { status: StatusTable; log: EdgeLog }): Response {
  if (err instanceof HiveError) {
    if (!Object.hasOwn(o.status, err.code)) o.log.warn({ code: err.code }, 'error code without an HTTP status: add it to the status table');
    return c.json({ error: oneLine(err.message), code: err.code }, statusFor(o.status, err.code));
  }
  o.log.error({ err }, 'unexpected error');
  return c.json({ error: `internal error: ${oneLine(String((err as Error)?.message ?? err))}`, code: 'INTERNAL' }, 500);
}
