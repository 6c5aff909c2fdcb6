import type { MiddlewareHandler } from 'hono';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { HiveError, hostAllowed } from '@hive/core';

class UnsupportedMediaError extends HiveError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  override readonly status = 415;
}

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF: a mutation whose Origin is present and not ours is refused, and mutations must be
 * JSON (a cross-site form cannot send `application/json` without a preflight).
 */
export function csrfGuard(o: { allowForm?: boolean } = {}): MiddlewareHandler {
  // Form bodies are let through only where SameSite=Strict cookies and the Origin check already hold (the agent pages' POST /api/model).
  const allowed = o.allowForm ? /^(application\/json|application\/x-www-form-urlencoded)\b/i : /^application\/json\b/i;
  return async (c, next) => {
    if (MUTATIONS.has(c.req.method)) {
      const origin = c.req.header('origin');
      if (origin && origin !== new URL(c.req.url).origin) throw new ForbiddenError(`cross-origin request from ${origin} refused`);
      const type = c.req.header('content-type') ?? '';
      if (!allowed.test(type)) throw new UnsupportedMediaError('mutations need Content-Type: application/json');
    }
    await next();
  };
}

export function hostGuard(bind: string): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host');
    if (!hostAllowed(bind, host))
      throw new ForbiddenError(`host ${JSON.stringify((host ?? '').slice(0, 80))} refused: reach the daemon as 127.0.0.1 or localhost (DNS rebinding guard)`);
    await next();
  };
}
