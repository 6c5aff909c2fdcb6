import type { MiddlewareHandler } from 'hono';
import { hostAllowed } from '@hive/core';
import { ForbiddenError, UnsupportedMediaTypeError } from './errors.js';

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether a request with this method changes something (and so needs the CSRF checks). */
export function isMutation(method: string): boolean {
  return MUTATIONS.has(method.toUpperCase());
}

/**
 * True when `origin` (an Origin header) is exactly the origin of a request to `host` over `scheme`:
 * another port, another scheme (https to an http server), `null` or garbage are foreign.
 */
export function sameOrigin(origin: string, host: string | undefined | null, scheme: 'http:' | 'https:' = 'http:'): boolean {
  if (!host) return false;
  try {
    return new URL(origin).origin === new URL(`${scheme}//${host}`).origin;
  } catch {
    return false;
  }
}

/** The Host a request reached, as the node adapter put it into the request URL. */
const hostOf = (url: string): string => new URL(url).host;

/** Whether a request's Origin header, when present, is not the request's own origin. */
function foreign(origin: string | undefined, url: string): boolean {
  if (!origin) return false;
  const u = new URL(url);
  return !sameOrigin(origin, u.host, u.protocol === 'https:' ? 'https:' : 'http:');
}

/**
 * CSRF: a mutation whose Origin is present and not ours is refused (browsers always send it on
 * cross-site requests), and a mutation's Content-Type must be one `types` names: a cross-site form
 * cannot send `application/json` without a preflight. `types: null` checks the origin only.
 */
export function csrfGuard(o: { types?: readonly string[] | null } = {}): MiddlewareHandler {
  const types = o.types === undefined ? ['application/json'] : o.types;
  return async (c, next) => {
    if (isMutation(c.req.method)) {
      const origin = c.req.header('origin');
      if (foreign(origin, c.req.url)) throw new ForbiddenError(`cross-origin request from ${origin!.slice(0, 80)} refused`);
      if (types) {
        const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
        if (!types.includes(type)) throw new UnsupportedMediaTypeError(`mutations need Content-Type: ${types.join(' or ')}`);
      }
    }
    await next();
  };
}

/**
 * DNS rebinding: a server bound to loopback answers only loopback Host names (see `hostAllowed`).
 * `reach` says how to reach it instead, e.g. `reach the daemon as 127.0.0.1 or localhost`.
 */
export function hostGuard(bind: string, reach: string): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host') ?? hostOf(c.req.url);
    if (!hostAllowed(bind, host)) throw new ForbiddenError(`host ${JSON.stringify(host.slice(0, 80))} refused: ${reach} (DNS rebinding guard)`);
    await next();
  };
}
