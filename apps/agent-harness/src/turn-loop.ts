import type { Logger } from 'pino';
import type { ChatEntry, HarnessActivity, HarnessFrame, InboxItem, TurnReportBody } from '@hive/protocol';
import { runClaude, type ClaudePermissions } from './claude.js';
import type { History } from './history.js';
import type { ModelStore } from './model.js';
import { inboxRole, promptFor } from './prompt.js';
import type { SessionStore } from './session.js';
import { budgetLine, formatUsageLine, usageRecordOf, type UsageLog } from './usage.js';

export interface TurnLoopOptions {
  history: History;
  models: ModelStore;
  session: SessionStore;
  usage: UsageLog;
  /** The claude command as an argv prefix. */
  command: string[];
  mcpConfig: string;
  permissions: ClaudePermissions;
  /** Appended to claude's system prompt on every turn. */
  systemPrompt: string;
  /** Daily (UTC) spend after which turns are not run; null for no cap. */
  budgetUsd: number | null;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Sends a frame to every open page. */
  emit: (frame: HarnessFrame) => void;
  /** Called when busy, the queue length or the activity changes. */
  onStateChange: () => void;
  /** Called when the activity changes (idle → working → idle or error). */
  onActivity?: (activity: HarnessActivity) => void;
  /** Called once per turn with its usage, also for a turn the budget stopped. */
  onTurnReport?: (report: TurnReportBody) => void;
  /**
   * Waits for one of the hive's turn slots before claude starts (the daemon bounds how many run at
   * once); resolves with the slot's release, or null to run without one. `onQueued` marks the wait.
   */
  holdTurnSlot?: (signal: AbortSignal, onQueued: () => void) => Promise<(() => void) | null>;
  log: Logger;
}

interface Pending {
  item: InboxItem;
  turn: number;
}

/** One claude turn per inbox item, strictly one at a time; a failed turn is logged and the loop goes on; each turn's usage is recorded. */
export class TurnLoop {
  #queue: Pending[] = [];
  #running: { turn: number; abort: AbortController } | null = null;
  #lastTurn: number;
  #drained: Promise<void> = Promise.resolve();
  #stopped = false;
  #activity: HarnessActivity = 'idle';

  constructor(private o: TurnLoopOptions) {
    this.#lastTurn = o.history.lastTurn();
  }

  /** New settings for the turns that start from now on (a reload in place); a running turn finishes with the old. */
  reconfigure(next: Partial<Pick<TurnLoopOptions, 'mcpConfig' | 'permissions' | 'systemPrompt' | 'budgetUsd' | 'env'>>): void {
    this.o = { ...this.o, ...next };
  }

  get busy(): boolean {
    return this.#running !== null;
  }

  /** idle, working, or error (the last turn failed or was not run); never what the model says. */
  get activity(): HarnessActivity {
    return this.#activity;
  }

  #setActivity(a: HarnessActivity): void {
    if (a === this.#activity) return;
    this.#activity = a;
    this.o.onActivity?.(a);
    this.o.onStateChange();
  }

  /** Items waiting behind the running turn. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Records the item in the chat log at once and queues its turn. */
  enqueue(item: InboxItem): ChatEntry {
    const turn = ++this.#lastTurn;
    const entry = this.#record({ role: inboxRole(item), text: this.#displayText(item), turn });
    this.#queue.push({ item, turn });
    this.o.onStateChange();
    if (!this.#running) this.#drained = this.#drain();
    return entry;
  }

  /** Kills the running turn; queued items still run. False when nothing was running. */
  cancel(): boolean {
    if (!this.#running) return false;
    this.#running.abort.abort();
    return true;
  }

  /** Resolves once the queue is empty and no turn runs. */
  idle(): Promise<void> {
    return this.#drained;
  }

  /** Stops taking turns, kills the running one and waits for it. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#queue = [];
    this.cancel();
    await this.#drained;
  }

  #displayText(item: InboxItem): string {
    if (item.kind === 'operator') return item.text;
    const head = item.kind === 'event' ? `${item.event?.type ?? 'event'} · ${item.from}` : item.from;
    return item.text ? `${head}: ${item.text}` : head;
  }

  #record(entry: Pick<ChatEntry, 'role' | 'text' | 'turn'>): ChatEntry {
    const full = this.o.history.append(entry);
    this.o.emit({ kind: 'entry', entry: full });
    return full;
  }

  async #drain(): Promise<void> {
    while (!this.#stopped) {
      const next = this.#queue.shift();
      if (!next) break;
      const abort = new AbortController();
      this.#running = { turn: next.turn, abort };
      this.o.onStateChange();
      try {
        await this.#runTurn(next, abort.signal);
      } catch (err) {
        // A bug here must not stop the loop: show it as the turn's error.
        this.o.log.error({ err, turn: next.turn }, 'turn crashed');
        this.#record({ role: 'error', text: `turn ${next.turn} crashed: ${(err as Error).message}`, turn: next.turn });
        this.#setActivity('error');
      } finally {
        this.#running = null;
        this.o.onStateChange();
      }
    }
  }

  async #runTurn({ item, turn }: Pending, signal: AbortSignal): Promise<void> {
    // Read the model now, at the start of this turn, so a flip lands on the next invocation.
    const model = this.o.models.current();
    const budget = this.o.budgetUsd;
    const spent = this.o.usage.today().cost_usd;
    if (budget !== null && spent >= budget) {
      const line = budgetLine(budget, spent);
      this.#record({ role: 'error', text: line, turn });
      this.#setActivity('error');
      this.o.log.warn({ turn, budget, spent }, 'turn not run: daily budget reached');
      this.o.onTurnReport?.({ ...usageRecordOf({ turn, ok: false, model, result: null }), error: line, budget_exceeded: true });
      return;
    }
    const release = await this.#holdSlot(turn, signal);
    if (release === 'cancelled') {
      this.#record({ role: 'system', text: `turn ${turn} cancelled while queued for a slot`, turn });
      this.#setActivity('idle');
      return;
    }
    try {
      await this.#runClaudeTurn({ item, turn }, model, signal);
    } finally {
      release?.();
    }
  }

  /** A turn slot from the daemon, 'cancelled' when the turn was cancelled while queued; null runs without one. */
  async #holdSlot(turn: number, signal: AbortSignal): Promise<(() => void) | null | 'cancelled'> {
    if (!this.o.holdTurnSlot) return null;
    try {
      return await this.o.holdTurnSlot(signal, () => {
        this.o.log.info({ turn }, 'queued for a slot');
        this.#setActivity('queued');
      });
    } catch (err) {
      if (signal.aborted) return 'cancelled';
      // The daemon is the one bounding turns; when it cannot answer, running beats stalling the inbox.
      this.o.log.warn({ turn, err: (err as Error).message }, 'no turn slot: running without one');
      return null;
    }
  }

  async #runClaudeTurn({ item, turn }: Pending, model: string, signal: AbortSignal): Promise<void> {
    this.#setActivity('working');
    const sessionId = this.o.session.get();
    this.o.log.info({ turn, model, kind: item.kind, from: item.from, resume: sessionId !== null }, 'turn started');
    const outcome = await runClaude({
      command: this.o.command,
      prompt: promptFor(item),
      model,
      mcpConfig: this.o.mcpConfig,
      sessionId,
      permissions: this.o.permissions,
      systemPrompt: this.o.systemPrompt,
      cwd: this.o.cwd,
      env: this.o.env,
      signal,
      onSession: (id) => this.o.session.set(id),
      onText: (text) => this.o.emit({ kind: 'delta', turn, text }),
      onTool: (name, input) => this.#record({ role: 'tool', text: `${name} ${JSON.stringify(input ?? {}).slice(0, 2000)}`, turn }),
    });
    const ok = outcome.status === 'ok';
    if (ok) this.#record({ role: 'agent', text: outcome.text || '(no reply)', turn });
    else if (outcome.text) this.#record({ role: 'agent', text: outcome.text, turn });
    let error = outcome.error;
    if (outcome.status === 'cancelled') {
      this.#record({ role: 'system', text: `turn ${turn} cancelled`, turn });
      error = null;
    } else if (!ok) {
      if (sessionId && !outcome.sawSession) {
        // The resumed session may be gone: start a fresh one next turn instead of failing forever.
        this.o.session.clear();
        error += ' (the claude session was reset for the next turn)';
      }
      this.#record({ role: 'error', text: error ?? 'turn failed', turn });
    }
    const record = usageRecordOf({ turn, ok, model, result: outcome.result });
    this.o.usage.append(record);
    if (outcome.result) this.#record({ role: 'system', text: formatUsageLine(record), turn });
    // TurnReportBody caps the line at 2000 characters; the daemon would refuse a longer one.
    this.o.onTurnReport?.({ ...record, error: error?.slice(0, 2000) ?? null });
    this.#setActivity(ok || outcome.status === 'cancelled' ? 'idle' : 'error');
    if (ok) this.o.log.info({ turn, cost_usd: record.cost_usd }, 'turn finished');
    else this.o.log.warn({ turn, status: outcome.status, error }, 'turn did not finish');
  }
}
