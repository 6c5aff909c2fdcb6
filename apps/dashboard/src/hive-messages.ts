import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { AgentMessage } from '@hive/protocol';
import { clock } from './format.js';
import { theme } from './theme.js';

/** Messages agents sent each other, newest first. */
@customElement('hive-messages')
export class HiveMessages extends LitElement {
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
        padding: 0.2rem 0;
        overflow-wrap: anywhere;
      }
      .from,
      .to {
        color: var(--amber);
      }
      .text {
        color: var(--green);
        white-space: pre-wrap;
      }
    `,
  ];

  @property({ attribute: false }) messages: AgentMessage[] = [];

  override render() {
    const list = [...this.messages].sort((a, b) => b.id - a.id);
    return html`<h3>messages</h3>
      ${list.length === 0
        ? html`<p class="empty">no messages between agents yet</p>`
        : html`<ol>
            ${list.map(
              (m) =>
                html`<li><span class="dim">${clock(m.created_at)}</span> <span class="from">${m.from}</span> → <span class="to">${m.to}</span>:
                  <span class="text">${m.text}</span></li>`,
            )}
          </ol>`}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-messages': HiveMessages;
  }
}
