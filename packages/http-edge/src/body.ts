import type { Context, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { BadRequestError, PayloadTooLargeError } from './errors.js';

/** How much of a refused body is read (and dropped) before the connection is given up on. */
const DISCARD_LIMIT = 64 * 1024 * 1024;

/**
 * Caps request bodies at `max` bytes. A bigger one is read to its end, kept nowhere, then refused
 * with PayloadTooLargeError: answering while the client is still sending makes the node adapter
 * cut the connection, and the client would see a hang-up instead of the error.
 */
export function bodyCap(max: number): MiddlewareHandler {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size <= max) chunks.push(value);
      else if (size > DISCARD_LIMIT) {
        await reader.cancel();
        break;
      }
    }
    if (size > max) throw new PayloadTooLargeError(max);
    c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks) });
    await next();
  };
}

/** Reads and validates a JSON body (empty is `{}`): malformed JSON and schema misses are one-line BadRequestErrors naming the field. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new BadRequestError('malformed JSON body');
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new BadRequestError(`${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`);
  }
  return r.data;
}

/** A positive integer path parameter, or a BadRequestError naming it. */
export function intParam(c: Context, name: string): number {
  const v = c.req.param(name) ?? '';
  if (!/^[1-9][0-9]{0,15}$/.test(v)) throw new BadRequestError(`${name} must be a positive integer, got ${JSON.stringify(v.slice(0, 40))}`);
  return Number(v);
}
