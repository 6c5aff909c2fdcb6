import { LitElement, css, html } from 'lit';
import type { ChatEntry } from '@hive/protocol';
import { api, type PageState } from './api.js';
import { SLASH_COMMANDS, helpText, messageText, parseSlash } from './slash.js';
import { SocketController, type PageFrame } from './socket-controller.js';
import { theme } from './theme.js';
import './hive-chat-log.js';
import './hive-chat-input.js';
import './hive-inbox-panel.js';
import type { SendRequestedEvent } from './hive-chat-input.js';

// Same rule as usage.ts formatUsd (the page cannot import node modules): four decimals under a dollar.
const usd = (n: number): string => `$${n >= 1 ? n.toFixed(2) : n.toFixed(4)}`;
const overBudget = (s: PageState): boolean => s.budget_usd !== null && s.usage_today.cost_usd >= s.budget_usd;
/** Today's spend, turns, and the cap when there is one: `$0.0123 · 3 turns / $5.00 budget`. */
function spendText(s: PageState): string {
  const t = s.usage_today;
  return `${usd(t.cost_usd)} · ${t.turns} turn${t.turns === 1 ? '' : 's'}${s.budget_usd !== null ? ` / ${usd(s.budget_usd)} budget` : ''}`;
}

/** A page-only line (slash replies): shown after the server entry it followed, never persisted. */
interface LocalEntry {
  entry: ChatEntry;
  after: number;
  seq: number;
}

/** The harness page: header with the model chip and busy light, the chat, and the inbox. */
export class HiveHarnessApp extends LitElement {
  static override properties = {
    state: { state: true },
    pill: { state: true },
  };
  static override styles = [
    theme,
    css`
      :host { display: flex; flex-direction: column; height: 100vh; box-sizing: border-box; padding: 14px 18px; gap: 12px; }
      header { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; border-bottom: 1px solid var(--line); padding-bottom: 10px; }
      .brand { color: var(--amber); font-weight: 700; letter-spacing: 0.25em; text-transform: none; }
      .name { color: var(--green); font-size: 15px; }
      .label { color: var(--dim); }
      .chip { border: 1px solid var(--mauve); color: var(--mauve); padding: 2px 8px; border-radius: 10px; }
      .chip.override { border-color: var(--amber); color: var(--amber); }
      .busy { display: inline-flex; align-items: center; gap: 6px; color: var(--dim); }
      .busy .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--dim); }
      .busy.on { color: var(--green); }
      .busy.on .dot { background: var(--green); box-shadow: 0 0 8px var(--green); animation: pulse 1s ease-in-out infinite; }
      @keyframes pulse { 50% { opacity: 0.3; } }
      .activity { border: 1px solid var(--dim); color: var(--dim); padding: 2px 8px; border-radius: 10px; }
      .activity.working { border-color: var(--green); color: var(--green); }
      .activity.error { border-color: var(--red); color: var(--red); }
      .activity.queued { border-color: var(--amber); color: var(--amber); }
      .spend { color: var(--dim); }
      .spend.over { color: var(--red); }
      .spacer { flex: 1; }
      .link { color: var(--mauve); text-decoration: none; }
      .link:hover { text-decoration: underline; }
      .conn.off { color: var(--red); }
      main { flex: 1; min-height: 0; display: grid; grid-template-columns: 1fr 300px; gap: 16px; }
      section, aside { min-height: 0; display: flex; flex-direction: column; background: #0b0d10cc; border: 1px solid var(--line); padding: 10px 12px; }
      hive-chat-log, hive-inbox-panel { flex: 1; min-height: 0; }
      hive-chat-input { margin-top: 10px; }
      .pill { position: fixed; right: 18px; bottom: 18px; background: #2a0d12; color: var(--red); border: 1px solid var(--red); padding: 8px 14px; border-radius: 14px; text-transform: none; }
      @media (max-width: 800px) { main { grid-template-columns: 1fr; } aside { max-height: 30vh; } }
    `,
  ];

  declare state: PageState | null;
  declare pill: string | null;
  #server = new Map<number, ChatEntry>();
  #local: LocalEntry[] = [];
  #localSeq = 0;
  #clearedAt: [number, number] = [0, 0];
  #streaming = new Map<number, string>();
  #pillTimer: ReturnType<typeof setTimeout> | undefined;
  #socket = new SocketController(this, (f) => this.#onFrame(f), () => void this.#resync());

  constructor() {
    super();
    this.state = null;
    this.pill = null;
  }

  async #resync(): Promise<void> {
    try {
      const [state, entries] = await Promise.all([api.state(), api.history()]);
      this.state = state;
      for (const e of entries) this.#server.set(e.id, e);
      this.requestUpdate();
    } catch (err) {
      this.#showPill((err as Error).message);
    }
  }

  #onFrame(frame: PageFrame): void {
    switch (frame.kind) {
      case 'state':
        this.state = frame.state;
        if (!frame.state.busy) this.#streaming.clear();
        break;
      case 'entry':
        this.#server.set(frame.entry.id, frame.entry);
        if (frame.entry.turn !== null && ['agent', 'error', 'system'].includes(frame.entry.role)) this.#streaming.delete(frame.entry.turn);
        break;
      case 'delta':
        this.#streaming.set(frame.turn, (this.#streaming.get(frame.turn) ?? '') + frame.text);
        break;
      case 'cleared':
        this.#clearView();
        break;
    }
    this.requestUpdate();
  }

  #lastServerId(): number {
    let max = 0;
    for (const id of this.#server.keys()) max = Math.max(max, id);
    return max;
  }

  #say(role: ChatEntry['role'], text: string): void {
    const seq = ++this.#localSeq;
    this.#local.push({ entry: { id: -seq, ts: new Date().toISOString(), role, text, turn: null }, after: this.#lastServerId(), seq });
    this.requestUpdate();
  }

  #clearView(): void {
    this.#clearedAt = [this.#lastServerId(), this.#localSeq];
    this.#streaming.clear();
  }

  #visible(): ChatEntry[] {
    const keyed: Array<[number, number, ChatEntry]> = [
      ...[...this.#server.values()].map((e): [number, number, ChatEntry] => [e.id, 0, e]),
      ...this.#local.map((l): [number, number, ChatEntry] => [l.after, l.seq, l.entry]),
    ];
    const [cid, cseq] = this.#clearedAt;
    return keyed
      .filter(([a, b]) => a > cid || (a === cid && b > cseq))
      .sort((x, y) => x[0] - y[0] || x[1] - y[1])
      .map(([, , e]) => e);
  }

  #showPill(text: string): void {
    this.pill = text;
    clearTimeout(this.#pillTimer);
    this.#pillTimer = setTimeout(() => (this.pill = null), 5000);
  }

  async #send(e: SendRequestedEvent): Promise<void> {
    const input = e.detail.text;
    const parsed = parseSlash(input);
    try {
      if (parsed.kind === 'text') {
        await api.chat(messageText(input));
      } else if (parsed.kind === 'unknown') {
        this.#say('system', `unknown command /${parsed.name} — known: ${SLASH_COMMANDS.map((c) => '/' + c.name).join(', ')}\n${helpText()}`);
      } else {
        await this.#command(parsed.name, parsed.arg);
      }
    } catch (err) {
      this.#say('error', (err as Error).message);
      this.#showPill((err as Error).message);
    }
  }

  async #command(name: string, arg: string): Promise<void> {
    const s = this.state;
    switch (name) {
      case 'model':
        if (!arg) {
          this.#say('system', s ? `model · ${s.model}${s.model === s.default_model ? ' (the config default)' : ` (override; config default ${s.default_model})`}` : 'state not loaded yet');
          return;
        }
        this.state = await api.setModel(arg);
        this.#say('system', `model → ${this.state.model}; it applies from the next turn`);
        return;
      case 'status':
        this.#say(
          'system',
          s
            ? `${s.name} (${s.label}) · model ${s.model} · ${s.activity} · queue ${s.queue} · port ${s.port}${s.is_manager ? ' · manager' : ''} · socket ${this.#socket.connected ? 'live' : 'down'}`
            : 'state not loaded yet',
        );
        return;
      case 'cancel': {
        const r = await api.cancel();
        this.state = r.state;
        this.#say('system', r.cancelled ? 'cancelling the running turn' : 'nothing is running');
        return;
      }
      case 'clear':
        this.#clearView();
        this.requestUpdate();
        return;
      case 'help':
        this.#say('system', helpText());
        return;
    }
  }

  override render() {
    const s = this.state;
    const dash = s?.dashboard_port ? `${location.protocol}//${location.hostname}:${s.dashboard_port}/` : null;
    return html`
      <header>
        <span class="brand">◆ H4RN3SS</span>
        <span class="name">${s?.name ?? '…'}</span>
        ${s && s.label !== s.name ? html`<span class="label">${s.label}</span>` : ''}
        <span class="chip ${s && s.model !== s.default_model ? 'override' : ''}" data-testid="model-chip" title=${s ? `config default: ${s.default_model}` : ''}
          >model · ${s?.model ?? '…'}</span
        >
        <span class="busy ${s?.busy ? 'on' : ''}" data-testid="busy"><span class="dot"></span>${s?.busy ? 'busy' : 'idle'}${s?.queue ? ` · ${s.queue} queued` : ''}</span>
        ${s?.is_manager ? html`<span class="chip">manager</span>` : ''}
        ${s ? html`<span class="activity ${s.activity}" data-testid="activity" title="from this agent's turns, not from what the model says">${s.activity === 'queued' ? 'queued for a slot' : s.activity}</span>` : ''}
        ${s ? html`<span class="spend ${overBudget(s) ? 'over' : ''}" data-testid="spend" title="today (UTC)">today ${spendText(s)}</span>` : ''}
        <span class="spacer"></span>
        <span class="conn ${this.#socket.connected ? '' : 'off'}">${this.#socket.connected ? 'live' : 'reconnecting…'}</span>
        ${dash ? html`<a class="link" href=${dash}>dashboard ↗</a>` : ''}
      </header>
      <main>
        <section>
          <h2><span class="glyph">◆</span>CH4T</h2>
          <hive-chat-log .entries=${this.#visible()} .streaming=${new Map(this.#streaming)}></hive-chat-log>
          <hive-chat-input ?busy=${s?.busy ?? false} @send-requested=${this.#send}></hive-chat-input>
        </section>
        <aside>
          <h2><span class="glyph">◆</span>1NB0X</h2>
          <hive-inbox-panel .entries=${[...this.#server.values()].sort((a, b) => a.id - b.id)} .queued=${s?.queue ?? 0}></hive-inbox-panel>
        </aside>
      </main>
      ${this.pill ? html`<div class="pill" role="alert">${this.pill}</div>` : ''}
    `;
  }
}
customElements.define('hive-harness-app', HiveHarnessApp);

declare global {
  interface HTMLElementTagNameMap {
    'hive-harness-app': HiveHarnessApp;
  }
}
