import type { HiveEvent, InboxItem } from '@hive/protocol';
import { agentWebPort } from '@hive/ports';
import type { HiveContext } from './context.js';

/** Events the manager hears about, so it can `git show` the tree or read a failure note from /applied. */
const MANAGER_EVENTS = new Set(['Rebuilt', 'ApprovalResolved', 'container_crash', 'Spawned', 'Destroyed']);

/** One line a model can read. */
export function describeEvent(e: HiveEvent): string {
  const d = e.data as Record<string, unknown>;
  switch (e.type) {
    case 'ApprovalResolved':
      return `ApprovalResolved: approval ${d.id} for ${d.agent} is ${d.status}${d.terminal_tag ? ` (${d.terminal_tag})` : ''}${d.note ? ` — ${String(d.note).split('\n')[0]}` : ''}`;
    case 'Rebuilt':
      return `Rebuilt: ${d.agent} ${d.ok ? 'ok' : 'FAILED'}${d.terminal_tag ? ` (${d.terminal_tag})` : ''}${d.error ? ` — ${String(d.error).split('\n')[0]}` : ''}`;
    case 'container_crash':
      return `container_crash: ${d.agent} exited unexpectedly (code ${d.code ?? '-'}, signal ${d.signal ?? '-'})`;
    default:
      return `${e.type}: ${JSON.stringify(d)}`;
  }
}

/**
 * At-least-once delivery of inbox items to harnesses: persisted first, POSTed to the
 * harness's /api/inbox with the daemon's key for that agent, retried until the harness takes it.
 */
export class InboxDelivery {
  private timer: NodeJS.Timeout | null = null;
  private busy = new Set<string>();

  constructor(private ctx: HiveContext) {}

  onEvent(e: HiveEvent): void {
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
    const row = this.ctx.store.getAgent(agent);
    if (!row || row.status !== 'running') return;
    this.busy.add(agent);
    try {
      const url = `http://127.0.0.1:${agentWebPort(agent, this.ctx.ports)}/api/inbox`;
      const key = this.ctx.keys.keyFor(agent);
      for (const { id, item } of this.ctx.store.pendingInbox(agent)) {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify(item),
          signal: AbortSignal.timeout(5000),
        }).catch(() => null);
        if (!res || !res.ok) break; // retried on the next tick
        this.ctx.store.markDelivered(id);
      }
    } finally {
      this.busy.delete(agent);
    }
  }
}
