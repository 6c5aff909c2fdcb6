import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { ApprovalDiff, AuditEntry, HiveEvent, HiveState } from '@hive/protocol';
import { announcement } from './announce.js';
import { api, DaemonError, takeLinkToken } from './api.js';
import { busyKey } from './busy.js';
import { LiveEventsController } from './live-events.js';
import { notifyQuestion, notifyState, toggleNotify, type NotifyState } from './notifications.js';
import { panel, theme, spinner } from './theme.js';
import type { Toast } from './hive-toast.js';
import './hive-approvals.js';
import './hive-audit.js';
import './hive-login.js';
import './hive-containers.js';
import './hive-events.js';
import './hive-freeze-switch.js';
import './hive-messages.js';
import './hive-port-banner.js';
import './hive-questions.js';
import './hive-toast.js';

const REFRESH_DEBOUNCE_MS = 120;
const EVENTS_KEPT = 500;
const TOAST_MS = { ok: 4000, err: 9000, ask: 9000 };

/** The operator's screen: owns the data, talks to the daemon, hands everything down to the panels. */
@customElement('hive-app')
export class HiveApp extends LitElement {
  static override styles = [
    theme,
    panel,
    css`
      :host {
        display: block;
        max-width: 1400px;
        margin: 0 auto;
        padding: 1rem 1.25rem 5rem;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem 1rem;
        align-items: baseline;
        margin-bottom: 1rem;
      }
      h1 {
        margin: 0;
        font-size: 1.3rem;
        color: var(--amber);
        letter-spacing: 0.06em;
        text-shadow: 0 0 12px rgba(255, 176, 0, 0.35);
      }
      h1 small {
        color: var(--mauve);
        font-size: 0.8rem;
        margin-left: 0.5rem;
      }
      .link {
        margin-left: auto;
        display: inline-flex;
        gap: 0.4rem;
        align-items: center;
      }
      .link.live {
        color: var(--green);
      }
      .link.reconnecting,
      .link.connecting {
        color: var(--amber);
      }
      .load-error {
        color: var(--red);
        border: 1px solid var(--red);
        border-radius: 4px;
        padding: 0.4rem 0.8rem;
        margin-bottom: 1rem;
      }
      hive-port-banner {
        display: block;
        margin-bottom: 0.8rem;
      }
      .grid {
        display: grid;
        grid-template-columns: minmax(0, 1.15fr) minmax(0, 1fr);
        gap: 1rem;
        margin-top: 1rem;
        align-items: start;
      }
      @media (max-width: 900px) {
        :host {
          padding: 0.6rem 0.6rem 6rem;
        }
        .grid {
          grid-template-columns: minmax(0, 1fr);
        }
      }
    `,
  ];

  @state() private hive: HiveState | null = null;
  @state() private loadError = '';
  @state() private events: HiveEvent[] = [];
  @state() private diffs = new Map<number, ApprovalDiff>();
  @state() private diffErrors = new Map<number, string>();
  @state() private busy = new Set<string>();
  @state() private toasts: Toast[] = [];
  @state() private spawned: { name: string; seq: number } | null = null;
  @state() private audit: AuditEntry[] = [];
  /** Set when the daemon answered 401: the token form shows instead of stale panels. */
  @state() private needsLogin = false;
  @state() private loginError = '';
  @state() private loggingIn = false;
  /** The questions panel's `notify me` toggle, remembered across visits. */
  @state() private notify: NotifyState = notifyState();

  private live = new LiveEventsController(this, {
    onEvent: (e) => this.onEvent(e),
    onHello: (lastId) => {
      // After a (re)connect we may have missed events: catch up once, then rely on the stream.
      if (lastId > this.lastEventId()) void this.loadEvents();
      this.scheduleRefresh();
    },
    lastEventId: () => this.lastEventId(),
  });
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshing = false;
  private refreshAgain = false;
  private toastSeq = 0;
  private diffsInFlight = new Set<number>();
  private diffAttempts = new Map<number, number>();

  override connectedCallback(): void {
    super.connectedCallback();
    void this.boot();
  }

  /** A login link's token is traded for the session cookie first; then the data loads. */
  private async boot(): Promise<void> {
    const token = takeLinkToken();
    if (token) await this.login(token);
    void this.refresh();
    void this.loadEvents();
  }

  private async login(token: string): Promise<void> {
    this.loggingIn = true;
    try {
      await api.login(token);
      this.needsLogin = false;
      this.loginError = '';
      this.live.reconnect();
    } catch (e) {
      this.needsLogin = true;
      this.loginError = (e as Error).message;
    } finally {
      this.loggingIn = false;
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.refreshTimer);
  }

  override render() {
    const h = this.hive;
    return html`<header>
        <h1>hyperhive<small>hive-c0re</small></h1>
        ${h ? html`<span class="dim">manager ${h.manager} · runtime ${h.runtime}</span>` : ''}
        <span class="link ${this.live.status}" role="status" data-link=${this.live.status}>
          ${this.live.status === 'live' ? '● live' : html`${spinner} ${this.live.status}…`}
        </span>
      </header>
      ${this.needsLogin
        ? html`<hive-login
            .error=${this.loginError}
            .busy=${this.loggingIn}
            @login-requested=${async (e: HTMLElementEventMap['login-requested']) => {
              await this.login(e.detail.token);
              if (!this.needsLogin) {
                void this.refresh();
                void this.loadEvents();
              }
            }}
          ></hive-login>`
        : ''}
      ${this.loadError && !this.needsLogin ? html`<p class="load-error" role="alert">${this.loadError}</p>` : ''}
      <div
        @spawn-requested=${(e: HTMLElementEventMap['spawn-requested']) => this.spawn(e.detail.name)}
        @rebuild-requested=${(e: HTMLElementEventMap['rebuild-requested']) => this.rebuild(e.detail.name)}
        @destroy-requested=${(e: HTMLElementEventMap['destroy-requested']) => this.destroy(e.detail.name, e.detail.purge)}
        @approve-requested=${(e: HTMLElementEventMap['approve-requested']) => this.approve(e.detail.id)}
        @deny-requested=${(e: HTMLElementEventMap['deny-requested']) => this.deny(e.detail.id, e.detail.reason)}
        @rollback-requested=${(e: HTMLElementEventMap['rollback-requested']) => this.rollback(e.detail.agent, e.detail.to)}
        @freeze-requested=${(e: HTMLElementEventMap['freeze-requested']) => this.freeze(e.detail.reason)}
        @thaw-requested=${() => this.thaw()}
        @answer-requested=${(e: HTMLElementEventMap['answer-requested']) => this.answer(e.detail.id, e.detail.answer)}
        @toast-dismissed=${(e: HTMLElementEventMap['toast-dismissed']) => this.dismiss(e.detail.id)}
        @notify-toggle-requested=${() => void this.toggleNotify()}
      >
        ${h ? html`<hive-freeze-switch .frozen=${h.frozen ?? null} ?busy=${this.busy.has(busyKey.freeze())}></hive-freeze-switch>` : ''}
        <hive-port-banner .conflicts=${h?.port_conflicts ?? []}></hive-port-banner>
        <hive-containers .agents=${h?.agents ?? []} .busy=${this.busy} .spawned=${this.spawned}></hive-containers>
        <div class="grid">
          <section class="panel" aria-labelledby="call">
            <h2 id="call"><span class="glyph">◆</span> Y3R C4LL <span class="dim">· approvals &amp; questions</span></h2>
            <hive-approvals
              .approvals=${h?.approvals ?? []}
              .diffs=${this.diffs}
              .diffErrors=${this.diffErrors}
              .busy=${this.busy}
              .deployed=${new Map((h?.agents ?? []).map((a) => [a.name, a.deployed_tag]))}
            ></hive-approvals>
            <hive-questions .questions=${h?.questions ?? []} .busy=${this.busy} .notify=${this.notify}></hive-questions>
          </section>
          <section class="panel" aria-labelledby="matrix">
            <h2 id="matrix"><span class="glyph">◆</span> M4TR1X <span class="dim">· messages &amp; events</span></h2>
            <hive-messages .messages=${h?.messages ?? []}></hive-messages>
            <hive-events .events=${this.events}></hive-events>
            <hive-audit .entries=${this.audit}></hive-audit>
          </section>
        </div>
        <hive-toast .toasts=${this.toasts}></hive-toast>
      </div>`;
  }

  // ---- data ----

  private lastEventId(): number {
    return this.events.reduce((m, e) => Math.max(m, e.id), 0);
  }

  private onEvent(e: HiveEvent): void {
    if (!this.events.some((x) => x.id === e.id)) {
      this.events = [...this.events, e].slice(-EVENTS_KEPT);
      this.announce(e);
    }
    this.scheduleRefresh();
  }

  /** A new question or a spent budget gets a toast; a question also a notification where the operator allowed it. */
  private announce(e: HiveEvent): void {
    const a = announcement(e);
    if (!a) return;
    this.toast(a.kind, a.text);
    if (a.question) notifyQuestion(this.notify, a.question);
  }

  private async toggleNotify(): Promise<void> {
    try {
      this.notify = await toggleNotify(this.notify);
    } catch (e) {
      this.toast('err', `notifications: ${(e as Error).message}`);
    }
  }

  /** Coalesces bursts of events into one state fetch. */
  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), REFRESH_DEBOUNCE_MS);
  }

  private async refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    try {
      this.hive = await api.state();
      this.loadError = '';
      this.needsLogin = false;
      this.loadDiffs();
      this.audit = await api.audit(100).catch(() => this.audit);
    } catch (e) {
      if (e instanceof DaemonError && e.status === 401) this.needsLogin = true;
      this.loadError = `cannot load state: ${(e as Error).message}`;
    } finally {
      this.refreshing = false;
      if (this.refreshAgain) {
        this.refreshAgain = false;
        void this.refresh();
      }
    }
  }

  private async loadEvents(): Promise<void> {
    try {
      const fetched = await api.events(200);
      const byId = new Map([...this.events, ...fetched].map((e) => [e.id, e]));
      this.events = [...byId.values()].sort((a, b) => a.id - b.id).slice(-EVENTS_KEPT);
    } catch (e) {
      this.toast('err', `cannot load events: ${(e as Error).message}`);
    }
  }

  /** Fetches the diff of every open approval once (a failure is retried on the next two refreshes); it is kept after the approval resolves. */
  private loadDiffs(): void {
    for (const a of this.hive?.approvals ?? []) {
      if (a.status !== 'pending' && a.status !== 'building') continue;
      if (this.diffs.has(a.id) || this.diffsInFlight.has(a.id)) continue;
      const attempts = this.diffAttempts.get(a.id) ?? 0;
      if (attempts >= 3) continue;
      this.diffAttempts.set(a.id, attempts + 1);
      this.diffsInFlight.add(a.id);
      api
        .diff(a.id)
        .then((d) => {
          this.diffs = new Map(this.diffs).set(a.id, d);
          if (this.diffErrors.has(a.id)) {
            const errors = new Map(this.diffErrors);
            errors.delete(a.id);
            this.diffErrors = errors;
          }
        })
        .catch((e: Error) => (this.diffErrors = new Map(this.diffErrors).set(a.id, e.message)))
        .finally(() => this.diffsInFlight.delete(a.id));
    }
  }

  // ---- actions: spinner while in flight, a toast with the result, the daemon's text in the pill on error ----

  private async run<T>(key: string, request: () => Promise<T>, ok: (r: T) => string | null): Promise<boolean> {
    if (this.busy.has(key)) return false;
    this.busy = new Set(this.busy).add(key);
    try {
      const r = await request();
      const text = ok(r);
      if (text) this.toast('ok', text);
      return true;
    } catch (e) {
      this.toast('err', e instanceof DaemonError ? e.message : String(e));
      return false;
    } finally {
      const next = new Set(this.busy);
      next.delete(key);
      this.busy = next;
      // The live event normally brings the change; this also covers a socket that is down right now.
      this.scheduleRefresh();
    }
  }

  private async spawn(name: string): Promise<void> {
    if (await this.run(busyKey.spawn(), () => api.spawn(name), () => `spawned ${name}`)) this.spawned = { name, seq: (this.spawned?.seq ?? 0) + 1 };
  }

  private rebuild(name: string): void {
    void this.run(busyKey.rebuild(name), () => api.rebuild(name), () => `rebuilt ${name}`);
  }

  private destroy(name: string, purge: boolean): void {
    void this.run(busyKey.destroy(name), () => api.destroy(name, purge), () => `destroyed ${name}${purge ? ' (purged)' : ''}`);
  }

  private approve(id: number): void {
    void this.run(
      busyKey.approve(id),
      () => api.approve(id),
      (a) => {
        if (a?.status === 'failed') {
          this.toast('err', `#${id} build failed${a.note ? `: ${a.note}` : ''}`);
          return null;
        }
        return `approved #${id}${a?.terminal_tag ? ` → ${a.terminal_tag}` : ''}`;
      },
    );
  }

  private rollback(agent: string, to: string): void {
    void this.run(
      busyKey.rollback(agent),
      () => api.rollback(agent, to),
      (a) => {
        if (a && a.status !== 'deployed') {
          this.toast('err', `rollback of ${agent} to ${to} ${a.status}${a.note ? `: ${a.note}` : ''}`);
          return null;
        }
        return `${agent} rolled back to ${to}${a?.terminal_tag ? ` → ${a.terminal_tag}` : ''}`;
      },
    );
  }

  private freeze(reason: string): void {
    void this.run(busyKey.freeze(), () => api.freeze(reason), () => 'hive frozen');
  }

  private thaw(): void {
    void this.run(busyKey.freeze(), () => api.thaw(), () => 'hive thawed');
  }

  private deny(id: number, reason: string): void {
    void this.run(busyKey.deny(id), () => api.deny(id, reason), () => `denied #${id}`);
  }

  private answer(id: number, answer: string): void {
    void this.run(busyKey.answer(id), () => api.answer(id, answer), () => `answered question #${id}`);
  }

  private toast(kind: Toast['kind'], text: string): void {
    const id = ++this.toastSeq;
    this.toasts = [...this.toasts, { id, kind, text }].slice(-5);
    setTimeout(() => this.dismiss(id), TOAST_MS[kind]);
  }

  private dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-app': HiveApp;
  }
}
