import type { EventType, InboxItem, TypedHiveEvent } from '@hive/protocol';
import { postToHarness, type HiveContext } from './context.js';
import { frozenState } from './freeze.js';

/** Events the manager hears about, so it can `git show` the tree or read a failure note from /applied. */
const MANAGER_EVENTS = new Set<EventType>(['Rebuilt', 'ApprovalResolved', 'container_crash', 'Spawned', 'Destroyed', 'RolledBack']);

/** One line a model can read; the manager's prompt quotes the first three forms. */
export function describeEvent(e: TypedHiveEvent): string {
  switch (e.type) {
    case 'ApprovalResolved': {
      const d = e.data;
      return `ApprovalResolved: approval ${d.id} for ${d.agent} is ${d.status}${d.terminal_tag ? ` (${d.terminal_tag})` : ''}${d.note ? ` — ${firstLine(d.note)}` : ''}`;
    }
    case 'Rebuilt': {
      const d = e.data;
      return `Rebuilt: ${d.agent} ${d.ok ? 'ok' : 'FAILED'}${d.terminal_tag ? ` (${d.terminal_tag})` : ''}${d.error ? ` — ${firstLine(d.error)}` : ''}`;
    }
    case 'RolledBack': {
      const d = e.data;
      return d.auto
        ? `RolledBack: ${d.agent} reverted to ${d.to} after approval ${d.id} failed its health check — git fetch applied, then rebase on applied/main`
        : `RolledBack: ${d.agent} rolled back to ${d.to}${d.from ? ` from ${d.from}` : ''} as approval ${d.id} — git fetch applied, then rebase on applied/main`;
    }
    case 'container_crash':
      return `container_crash: ${e.data.agent} exited unexpectedly (code ${e.data.code ?? '-'}, signal ${e.data.signal ?? '-'})${e.data.reason ? ` — ${e.data.reason}` : ''}`;
    default:
      return `${e.type}: ${JSON.stringify(e.data)}`;
  }
}

const firstLine = (s: string): string => s.split('\n')[0]!;

/**
 * At-least-once delivery of inbox items to harnesses: persisted first, POSTed to the
 * harness's /api/inbox with the daemon's key for that agent, retried until the harness takes it.
 */
export class InboxDelivery {
  private timer: NodeJS.Timeout | null = null;
  private busy = new Set<string>();

  constructor(private ctx: HiveContext) {}

  onEvent(e: TypedHiveEvent): void {
    const manager = this.ctx.config.managerName;
    if (MANAGER_EVENTS.has(e.type) && this.ctx.store.getAgent(manager) && e.agent !== null) {
      this.enqueue(manager, { kind: 'event', from: 'hive-c0re', text: describeEvent(e), event: e });
    }
  }

  enqueue(agent: string, item: InboxItem): void {
    this.ctx.store.enqueueInbox(agent, item);
    void this.flush(agent);
  }

  start(intervalMs = 2000): void {
    this.timer = setInterval(() => {
      for (const a of this.ctx.store.agentsWithPendingInbox()) void this.flush(a);
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async flush(agent: string): Promise<void> {
    if (this.busy.has(agent)) return;
    // Frozen: items wait in SQLite and go out after the thaw (the next tick).
    if (frozenState(this.ctx)) return;
    const row = this.ctx.store.getAgent(agent);
    if (!row || row.status !== 'running') return;
    this.busy.add(agent);
    try {
      for (const { id, item } of this.ctx.store.pendingInbox(agent)) {
        const res = await postToHarness(this.ctx, agent, '/api/inbox', item, 5000).catch(() => null);
        if (!res || !res.ok) break; // retried on the next tick
        this.ctx.store.markDelivered(id);
      }
    } finally {
      this.busy.delete(agent);
    }
  }
}
