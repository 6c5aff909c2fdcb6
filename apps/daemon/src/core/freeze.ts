import type { FreezeState } from '@hive/protocol';
import { FrozenError } from '../errors.js';
import { postToHarness, type HiveContext } from './context.js';

const FLAG = 'frozen';

/** The freeze, as stored (it survives a daemon restart); null when the hive runs. */
export function frozenState(ctx: HiveContext): FreezeState | null {
  return ctx.store.getFlag<FreezeState>(FLAG);
}

/** Refuses a deploy-like action while frozen: 409 `hive is frozen: <reason>`. */
export function assertThawed(ctx: HiveContext): void {
  const f = frozenState(ctx);
  if (f) throw new FrozenError(f.reason);
}

/**
 * Freeze: recorded first (so nothing new starts: the inbox holds, deploys are refused), then every
 * running turn is cancelled. A second freeze keeps the first one's time and takes the new reason.
 */
export async function freeze(ctx: HiveContext, reason: string | undefined): Promise<{ frozen: FreezeState; cancelled: string[] }> {
  const state: FreezeState = { reason: reason?.trim() || 'frozen by the operator', since: frozenState(ctx)?.since ?? new Date().toISOString() };
  ctx.store.setFlag(FLAG, state);
  ctx.bus.emit('Frozen', null, { reason: state.reason });
  const cancelled: string[] = [];
  await Promise.all(
    ctx.store
      .listAgents()
      .filter((a) => a.status === 'running')
      .map(async (a) => {
        if (await cancelTurn(ctx, a.name)) cancelled.push(a.name);
      }),
  );
  return { frozen: state, cancelled: cancelled.sort() };
}

export function thaw(ctx: HiveContext): { thawed: boolean } {
  if (!frozenState(ctx)) return { thawed: false };
  ctx.store.setFlag(FLAG, null);
  ctx.bus.emit('Thawed', null, {});
  return { thawed: true };
}

/** Asks an agent's harness to cancel its running turn (with the daemon's key); true when one was cancelled. */
async function cancelTurn(ctx: HiveContext, name: string): Promise<boolean> {
  const res = await postToHarness(ctx, name, '/api/cancel', {}, 5000).catch((e: Error) => {
    ctx.log.warn({ agent: name, err: e.message }, 'freeze: could not reach the harness to cancel its turn');
    return null;
  });
  if (!res?.ok) return false;
  return ((await res.json().catch(() => ({}))) as { cancelled?: boolean }).cancelled === true;
}
