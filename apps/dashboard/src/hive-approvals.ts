import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { Approval, ApprovalDiff } from '@hive/protocol';
import { busyKey } from './busy.js';
import { theme } from './theme.js';
import './hive-approval-card.js';

/** Resolved approvals kept on screen under the open ones. */
const RECENT = 8;

/** The approval queue: open ones first (oldest on top), then the most recent resolved ones. */
@customElement('hive-approvals')
export class HiveApprovals extends LitElement {
  static override styles = [
    theme,
    css`
      h3 {
        margin: 0 0 0.4rem;
      }
    `,
  ];

  @property({ attribute: false }) approvals: Approval[] = [];
  @property({ attribute: false }) diffs: ReadonlyMap<number, ApprovalDiff> = new Map();
  @property({ attribute: false }) diffErrors: ReadonlyMap<number, string> = new Map();
  @property({ attribute: false }) busy: ReadonlySet<string> = new Set();
  /** Each agent's current deployed tag: its own deploy card offers no rollback. */
  @property({ attribute: false }) deployed: ReadonlyMap<string, string | null> = new Map();

  override render() {
    const open = this.approvals.filter((a) => a.status === 'pending' || a.status === 'building').sort((a, b) => a.id - b.id);
    const done = this.approvals
      .filter((a) => a.status !== 'pending' && a.status !== 'building')
      .sort((a, b) => b.id - a.id)
      .slice(0, RECENT);
    return html`<h3>approvals · ${open.length} open</h3>
      ${open.length === 0 ? html`<p class="empty">nothing waiting on you</p>` : this.cards(open)}
      ${done.length ? html`<h3>recently resolved</h3>${this.cards(done)}` : ''}`;
  }

  private cards(list: Approval[]) {
    return repeat(
      list,
      (a) => a.id,
      (a) =>
        html`<hive-approval-card
          .approval=${a}
          .diff=${this.diffs.get(a.id) ?? null}
          .diffError=${this.diffErrors.get(a.id) ?? ''}
          ?approving=${this.busy.has(busyKey.approve(a.id))}
          ?denying=${this.busy.has(busyKey.deny(a.id))}
          ?rollingBack=${this.busy.has(busyKey.rollback(a.agent))}
          ?current=${a.terminal_tag !== null && this.deployed.get(a.agent) === a.terminal_tag}
        ></hive-approval-card>`,
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-approvals': HiveApprovals;
  }
}
