import type { Logger } from 'pino';
import type { ChatEntry, HarnessFrame, InboxItem } from '@hive/protocol';
import { runClaude } from './claude.js';
import type { History } from './history.js';
import type { ModelStore } from './model.js';
import { inboxRole, promptFor } from './prompt.js';
import type { SessionStore } from './session.js';
import type { StreamEvent } from './stream-json.js';

export interface TurnLoopOptions {
  history: History;
  models: ModelStore;
  session: SessionStore;
  /** The claude command as an argv prefix. */
  command: string[];
  mcpConfig: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Sends a frame to every open page. */
  emit: (frame: HarnessFrame) => void;
  /** Called when busy or the queue length changes. */
  onStateChange: () => void;
  log: Logger;
}

interface Pending {
  item: InboxItem;
  turn: number;
}

/** One claude turn per inbox item, strictly one at a time; a failed turn is logged and the loop goes on. */
export class TurnLoop {
  #queue: Pending[] = [];
  #running: { turn: number; abort: AbortController } | null = null;
  #lastTurn: number;
  #drained: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(private readonly o: TurnLoopOptions) {
    this.#lastTurn = o.history.lastTurn();
  }

  get busy(): boolean {
    return this.#running !== null;
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
      } finally {
        this.#running = null;
        this.o.onStateChange();
      }
    }
  }

  async #runTurn({ item, turn }: Pending, signal: AbortSignal): Promise<void> {
    // Read the model now, at the start of this turn, so a flip lands on the next invocation.
    const model = this.o.models.current();
    const sessionId = this.o.session.get();
    this.o.log.info({ turn, model, kind: item.kind, from: item.from, resume: sessionId !== null }, 'turn started');
    const parts: string[] = [];
    let streamed = '';
    let sawSession = false;
    let result: { text: string; isError: boolean } | null = null;
    const delta = (text: string) => this.o.emit({ kind: 'delta', turn, text });
    const onEvent = (ev: StreamEvent) => {
      switch (ev.kind) {
        case 'session':
          sawSession = true;
          this.o.session.set(ev.id);
          break;
        case 'delta':
          if (!streamed && parts.length) delta('\n\n');
          streamed += ev.text;
          delta(ev.text);
          break;
        case 'message':
          // With partial messages on, the full message repeats what was already streamed.
          if (!streamed) delta(parts.length ? `\n\n${ev.text}` : ev.text);
          parts.push(ev.text);
          streamed = '';
          break;
        case 'tool':
          this.#record({ role: 'tool', text: `${ev.name} ${JSON.stringify(ev.input ?? {}).slice(0, 2000)}`, turn });
          break;
        case 'result':
          result = ev;
          break;
      }
    };
    const outcome = await runClaude({
      command: this.o.command,
      prompt: promptFor(item),
      model,
      mcpConfig: this.o.mcpConfig,
      sessionId,
      cwd: this.o.cwd,
      env: this.o.env,
      signal,
      onEvent,
    });
    const finalResult = result as { text: string; isError: boolean } | null;
    const text = [...parts, streamed].filter(Boolean).join('\n\n') || (finalResult?.isError ? '' : finalResult?.text ?? '');
    if (outcome.ok && !finalResult?.isError) {
      this.#record({ role: 'agent', text: text || '(no reply)', turn });
      this.o.log.info({ turn }, 'turn finished');
      return;
    }
    if (text) this.#record({ role: 'agent', text, turn });
    if (!outcome.ok && outcome.cancelled) {
      this.#record({ role: 'system', text: `turn ${turn} cancelled`, turn });
      this.o.log.info({ turn }, 'turn cancelled');
      return;
    }
    let message = outcome.ok ? `claude reported an error: ${finalResult?.text || 'no detail'}` : outcome.message;
    if (!outcome.ok && sessionId && !sawSession) {
      // The resumed session may be gone: start a fresh one next turn instead of failing forever.
      this.o.session.clear();
      message += ' (the claude session was reset for the next turn)';
    }
    this.#record({ role: 'error', text: message, turn });
    this.o.log.warn({ turn, error: message }, 'turn failed');
  }
}
