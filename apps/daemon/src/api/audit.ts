import type { Context, MiddlewareHandler } from 'hono';
import type { Store } from '../store.js';
import { oneLine } from '@hive/http-edge';
import { remoteOf, type AuthEnv } from './auth.js';

/** What a request did, for its audit row. */
export type Describe = (c: Context<AuthEnv>) => AuditWhat | null | Promise<AuditWhat | null>;
export interface AuditWhat {
  action: string;
  target?: string | null;
  detail?: string | null;
}

/**
 * Appends one audit row per described request once it has been answered: who (the
 * actor the auth step set), from where, what, on which target, and the outcome.
 */
export function audited(store: Store, describe: Describe): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    await next();
    const d = await describe(c);
    if (!d) return;
    const status = c.res.status;
    let outcome = 'ok';
    if (status >= 400) {
      const body = (await c.res.clone().json().catch(() => null)) as { error?: string } | null;
      outcome = `refused ${status}: ${oneLine(body?.error ?? '')}`.trimEnd();
    }
    store.appendAudit({
      actor: c.get('actor') ?? 'anonymous',
      remote: remoteOf(c),
      action: d.action,
      target: d.target ?? null,
      outcome,
      detail: d.detail ?? null,
    });
  };
}

/** The JSON body's field, when the handler already parsed it (hono caches the body). */
export async function bodyField(c: Context, field: string): Promise<string | null> {
  try {
    const b = (await c.req.json()) as Record<string, unknown>;
    const v = b?.[field];
    return typeof v === 'string' ? v.slice(0, 200) : null;
  } catch {
    return null;
  }
}
