import type { Context, MiddlewareHandler } from 'hono';
import type { IncomingMessage } from 'node:http';
import type { OperatorAuth } from '../core/secrets.js';
import type { AgentTokens } from '../core/tokens.js';
import { bearer, UnauthorizedError } from '@hive/http-edge';

/** The dashboard's session cookie: HttpOnly, SameSite=Strict, set by `POST /api/login`. */
export const SESSION_COOKIE = 'hive_session';

/** Who made a request, for the audit: `operator:session`, `operator:token`, or an agent name. */
export type Actor = string;

export type AuthEnv = { Variables: { agent: string; actor: Actor } };

/** The operator behind a request, or null: the bearer token (CLI, scripts) or a session cookie (dashboard). */
export function operatorOf(auth: OperatorAuth, headers: { authorization?: string; cookie?: string | null }): Actor | null {
  const given = bearer(headers.authorization);
  if (given !== undefined) return auth.checkToken(given) ? 'operator:token' : null;
  const session = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`).exec(headers.cookie ?? '')?.[1];
  return auth.checkSession(session) ? 'operator:session' : null;
}

/** Operator routes, loopback included: an agent on the same host is no operator. */
export function operatorAuth(auth: OperatorAuth, tokens: AgentTokens): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const given = bearer(c.req.header('authorization'));
    const actor = operatorOf(auth, { authorization: c.req.header('authorization'), cookie: c.req.header('cookie') });
    if (!actor) {
      if (given && tokens.agentFor(given)) throw new UnauthorizedError('an agent token is not an operator credential: operator routes need the operator token');
      throw new UnauthorizedError('operator login required: open the login link hive up printed, or send Authorization: Bearer <state>/operator-token');
    }
    c.set('actor', actor);
    await next();
  };
}

/** The peer address of a request (node server), or `-` when there is no socket (app.request in tests). */
export function remoteOf(c: Context): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? '-';
}
