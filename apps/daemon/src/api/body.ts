import type { Context } from 'hono';
import type { z } from 'zod';
import { BadRequestError } from '../errors.js';

/** Reads and validates a JSON body at the edge: malformed JSON and schema misses are one-line 400s. */
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

/** A positive integer path parameter, or a 400 naming it. */
export function intParam(c: Context, name: string): number {
  const v = c.req.param(name) ?? '';
  if (!/^[1-9][0-9]{0,15}$/.test(v)) throw new BadRequestError(`${name} must be a positive integer, got ${JSON.stringify(v.slice(0, 40))}`);
  return Number(v);
}
