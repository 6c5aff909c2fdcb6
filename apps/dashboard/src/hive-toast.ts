import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { theme } from './theme.js';
import { emit } from './ui-events.js';

/** `ok`: a toast with a request's result; `err`: the transient pill carrying the daemon's exact error text; `ask`: an agent's new question. */
export interface Toast {
  id: number;
  kind: 'ok' | 'err' | 'ask';
  text: string;
}

/** The stack of transient toasts and error pills; the app expires them, a click dismisses one early. */
@customElement('hive-toast')
export class HiveToast extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        position: fixed;
        right: 1rem;
        bottom: 1rem;
        display: flex;
        flex-direction: column;
        gap: 0.5rem;
        align-items: flex-end;
        z-index: 10;
        max-width: min(36rem, calc(100vw - 2rem));
      }
      .toast {
        display: flex;
        gap: 0.6rem;
        align-items: center;
        padding: 0.45rem 0.5rem 0.45rem 0.9rem;
        background: #111318;
        border: 1px solid var(--green);
        color: var(--green);
        border-radius: 4px;
        box-shadow: 0 4px 18px rgba(0, 0, 0, 0.6);
        animation: in 0.18s ease-out;
        overflow-wrap: anywhere;
      }
      .toast.err {
        border-color: var(--red);
        color: #ffd0d5;
        background: #2a0c12;
        border-radius: 999px;
      }
      .toast.err::before {
        content: '⚠';
        color: var(--red);
      }
      .toast.ask {
        border-color: var(--amber);
        color: var(--amber);
      }
      .toast.ask::before {
        content: '◆';
      }
      button {
        min-height: 1.6rem;
        padding: 0 0.45rem;
        color: inherit;
        border-color: transparent;
      }
      @keyframes in {
        from {
          transform: translateY(8px);
          opacity: 0;
        }
      }
      @media (max-width: 500px) {
        :host {
          left: 0.5rem;
          right: 0.5rem;
          bottom: 0.5rem;
          max-width: none;
          align-items: stretch;
        }
      }
    `,
  ];

  @property({ attribute: false }) toasts: Toast[] = [];

  override render() {
    return repeat(
      this.toasts,
      (t) => t.id,
      (t) => html`<div class="toast ${t.kind}" role=${t.kind === 'err' ? 'alert' : 'status'} data-kind=${t.kind}>
        <span class="text">${t.text}</span>
        <button type="button" aria-label="dismiss" @click=${() => emit(this, 'toast-dismissed', { id: t.id })}>×</button>
      </div>`,
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-toast': HiveToast;
  }
}
