import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { PortConflict } from '@hive/protocol';
import { theme } from './theme.js';

/** The pulsing red banner above the containers, naming every cluster of agents that share a port. */
@customElement('hive-port-banner')
export class HivePortBanner extends LitElement {
  static override styles = [
    theme,
    css`
      div {
        border: 1px solid var(--red);
        background: rgba(255, 59, 78, 0.14);
        color: #ffd0d5;
        border-radius: 4px;
        padding: 0.6rem 1rem;
        animation: pulse 1.6s ease-in-out infinite;
      }
      strong {
        color: var(--red);
        letter-spacing: 0.08em;
      }
      ul {
        margin: 0.3rem 0 0.2rem;
        padding-left: 1.2rem;
      }
      b {
        color: var(--amber);
      }
      @keyframes pulse {
        50% {
          box-shadow: 0 0 18px 2px rgba(255, 59, 78, 0.55);
          background: rgba(255, 59, 78, 0.24);
        }
      }
      @media (prefers-reduced-motion: reduce) {
        div {
          animation: none;
        }
      }
    `,
  ];

  @property({ attribute: false }) conflicts: PortConflict[] = [];

  override render() {
    if (this.conflicts.length === 0) return nothing;
    return html`<div role="alert">
      <strong>⚠ P0RT C0LL1S10N</strong>
      <ul>
        ${this.conflicts.map((c) => html`<li data-port=${c.port}>port <b>${c.port}</b>: ${c.agents.join(' · ')}</li>`)}
      </ul>
      <span class="dim">rename one of each cluster, then ↻ R3BU1LD it.</span>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-port-banner': HivePortBanner;
  }
}
