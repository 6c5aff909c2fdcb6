import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { AuditEntry } from '@hive/protocol';
import { clock } from './format.js';
import { theme } from './theme.js';

/** Who decided what, newest first: operator actions and agent calls, with their outcome. */
@customElement('hive-audit')
export class HiveAudit extends LitElement {
  static override styles = [
    theme,
    css`
      h3 {
        margin: 0 0 0.4rem;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        max-height: 16rem;
        overflow: auto;
      }
      li {
        padding: 0.15rem 0;
        overflow-wrap: anywhere;
      }
      .actor {
        color: var(--amber);
      }
      .refused {
        color: var(--red);
      }
      .ok {
        color: var(--green);
      }
    `,
  ];

  @property({ attribute: false }) entries: AuditEntry[] = [];

  override render() {
    return html`<h3>audit</h3>
      ${this.entries.length === 0
        ? html`<p class="empty">no decisions recorded yet</p>`
        : html`<ol>
            ${this.entries.map(
              (e) =>
                html`<li data-audit=${e.action}>
                  <span class="dim">${clock(e.ts)}</span> <span class="actor">${e.actor}</span> ${e.action}${e.target ? html` <b>${e.target}</b>` : ''}
                  <span class=${e.outcome === 'ok' ? 'ok' : 'refused'}>${e.outcome}</span>
                </li>`,
            )}
          </ol>`}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-audit': HiveAudit;
  }
}
