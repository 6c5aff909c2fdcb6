import { LitElement, css, html } from 'lit';
import type { ChatEntry } from '@hive/protocol';
import { theme } from './theme.js';

const INBOX_ROLES = new Set<ChatEntry['role']>(['operator', 'event', 'message', 'answer']);

/** The agent's inbox: what arrived (operator, daemon events, other agents, answers); the last `queued` still wait. */
export class HiveInboxPanel extends LitElement {
  static override properties = { entries: { attribute: false }, queued: { type: Number } };
  static override styles = [
    theme,
    css`
      :host { display: block; overflow-y: auto; }
      ul { list-style: none; margin: 0; padding: 0; }
      li { padding: 6px 0; border-bottom: 1px dashed #14181d; }
      .head { display: flex; justify-content: space-between; gap: 8px; }
      .kind { color: var(--mauve); }
      .kind.operator { color: var(--amber); }
      .when { color: var(--dim); }
      .text { color: var(--text); text-transform: none; display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; white-space: pre-wrap; }
      .queued { color: var(--green); }
      .empty { color: var(--dim); }
    `,
  ];

  declare entries: ChatEntry[];
  declare queued: number;

  constructor() {
    super();
    this.entries = [];
    this.queued = 0;
  }

  override render() {
    const items = this.entries.filter((e) => INBOX_ROLES.has(e.role)).slice(-40);
    if (!items.length) return html`<div class="empty">inbox empty</div>`;
    const firstQueued = items.length - this.queued;
    return html`<ul>
      ${items
        .map(
          (e, i) => html`<li>
            <div class="head">
              <span class="kind ${e.role}">${e.role}</span>
              <span class="when">${i >= firstQueued ? html`<span class="queued">queued</span>` : new Date(e.ts).toLocaleTimeString()}</span>
            </div>
            <div class="text">${e.text}</div>
          </li>`,
        )
        .reverse()}
    </ul>`;
  }
}
customElements.define('hive-inbox-panel', HiveInboxPanel);

declare global {
  interface HTMLElementTagNameMap {
    'hive-inbox-panel': HiveInboxPanel;
  }
}
