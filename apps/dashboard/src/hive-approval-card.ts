import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Approval, ApprovalDiff } from '@hive/protocol';
import { clock, displaySha } from './format.js';
import { theme, spinner } from './theme.js';
import { emit } from './ui-events.js';
import './hive-diff.js';

/** One approval: agent, sha, status, its diff, approve ✓ / deny ✗ with a reason, the terminal tag once resolved. */
@customElement('hive-approval-card')
export class HiveApprovalCard extends LitElement {
  static override styles = [
    theme,
    css`
      article {
        border: 1px solid var(--line);
        border-left: 3px solid var(--amber);
        border-radius: 3px;
        padding: 0.6rem 0.8rem;
        margin-bottom: 0.6rem;
        background: rgba(255, 176, 0, 0.03);
      }
      article.building {
        border-left-color: var(--mauve);
      }
      article.deployed {
        border-left-color: var(--green);
        background: transparent;
      }
      article.failed,
      article.denied {
        border-left-color: var(--red);
        background: transparent;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem 0.8rem;
        align-items: baseline;
      }
      .agent {
        color: var(--amber);
        font-weight: 600;
      }
      .sha {
        color: var(--mauve);
      }
      .status {
        margin-left: auto;
        display: inline-flex;
        gap: 0.4rem;
        align-items: center;
      }
      .status.deployed {
        color: var(--green);
      }
      .status.failed,
      .status.denied {
        color: var(--red);
      }
      .status.building {
        color: var(--mauve);
      }
      .note {
        white-space: pre-wrap;
        color: var(--dim);
        margin: 0.4rem 0 0;
        max-height: 10rem;
        overflow: auto;
      }
      .undone {
        margin: 0.4rem 0 0;
        color: var(--peach, var(--red));
      }
      .undone[role='alert'] {
        font-weight: 600;
        color: var(--red);
      }
      .actions,
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        margin-top: 0.6rem;
        align-items: center;
      }
      form input {
        flex: 1 1 14rem;
      }
    `,
  ];

  @property({ attribute: false }) approval!: Approval;
  /** The diff, once the app has fetched it; null while loading. */
  @property({ attribute: false }) diff: ApprovalDiff | null = null;
  /** Why the diff could not be loaded, if it couldn't. */
  @property() diffError = '';
  @property({ type: Boolean }) approving = false;
  @property({ type: Boolean }) denying = false;
  @property({ type: Boolean }) rollingBack = false;
  /** This deploy is what the agent runs now (nothing to roll back to). */
  @property({ type: Boolean }) current = false;
  @state() private denyOpen = false;
  @state() private reason = '';

  override render() {
    const a = this.approval;
    return html`<article class=${a.status} data-approval=${a.id} data-status=${a.status} aria-label="approval ${a.id} for ${a.agent}">
      <header>
        <span class="dim">#${a.id}</span>
        <span class="agent">${a.agent}</span>
        <span class="dim">${a.kind}</span>
        <code class="sha" title=${a.fetched_sha ?? a.commit_ref}>${displaySha(a)}</code>
        <span class="dim">${clock(a.created_at)}</span>
        <span class="status ${a.status}">${a.status === 'building' ? spinner : ''}${a.status}${a.terminal_tag
            ? html` → <span class="tag terminal">${a.terminal_tag}</span>`
            : ''}</span>
      </header>
      ${a.note ? html`<p class="note">${a.status === 'denied' ? 'reason: ' : ''}${a.note}</p>` : ''} ${this.renderUndone()}
      ${this.renderDiff()} ${a.status === 'pending' ? this.renderActions() : ''} ${this.renderRollback()}
    </article>`;
  }

  /** A tree the hive took back: said on the card, loudest on one waiting for approval (a re-proposal). */
  private renderUndone() {
    const u = this.approval.undone;
    if (!u) return '';
    const how = u.how === 'rolled-back' ? `rolled back by #${u.by}` : `auto-reverted by #${u.by}`;
    const lead = this.approval.status === 'pending' ? '⚠ this config was undone before: ' : '↩ ';
    return html`<p class="undone" data-undone=${u.how} role=${this.approval.status === 'pending' ? 'alert' : 'note'}>${lead}${how} — ${u.why}</p>`;
  }

  /** Every deploy but the current one can be deployed again: a rollback to its tag. */
  private renderRollback() {
    const a = this.approval;
    if (a.status !== 'deployed' || !a.terminal_tag?.startsWith('deployed/') || this.current) return '';
    const to = a.terminal_tag;
    return html`<div class="actions">
      <button type="button" ?disabled=${this.rollingBack} aria-label="roll ${a.agent} back to ${to}" @click=${() => emit(this, 'rollback-requested', { agent: a.agent, to })}>
        ${this.rollingBack ? spinner : '↩'} roll back to ${to}
      </button>
    </div>`;
  }

  private renderDiff() {
    if (this.diffError) return html`<p class="note">diff unavailable: ${this.diffError}</p>`;
    const open = this.approval.status === 'pending' || this.approval.status === 'building';
    if (this.diff) return html`<hive-diff .diff=${this.diff} .approvalId=${this.approval.id} ?folded=${!open}></hive-diff>`;
    if (open) return html`<p class="dim">${spinner} loading diff…</p>`;
    return '';
  }

  private renderActions() {
    const id = this.approval.id;
    const inFlight = this.approving || this.denying;
    return html`<div class="actions">
        <button type="button" class="ok" ?disabled=${inFlight} @click=${() => emit(this, 'approve-requested', { id })}>
          ${this.approving ? spinner : '✓'} approve
        </button>
        <button type="button" class="danger" ?disabled=${inFlight} aria-expanded=${this.denyOpen} @click=${() => (this.denyOpen = !this.denyOpen)}>
          ✗ deny…
        </button>
      </div>
      ${this.denyOpen
        ? html`<form @submit=${this.onDeny} aria-label="deny approval ${id}">
            <input
              type="text"
              name="reason"
              required
              maxlength="4000"
              placeholder="reason (the manager reads it)"
              aria-label="reason for denying"
              .value=${this.reason}
              @input=${(e: Event) => (this.reason = (e.target as HTMLInputElement).value)}
            />
            <button type="submit" class="danger" ?disabled=${inFlight}>${this.denying ? spinner : '✗'} deny</button>
          </form>`
        : ''}`;
  }

  private onDeny(e: SubmitEvent): void {
    e.preventDefault();
    const reason = this.reason.trim();
    if (reason) emit(this, 'deny-requested', { id: this.approval.id, reason });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-approval-card': HiveApprovalCard;
  }
}
