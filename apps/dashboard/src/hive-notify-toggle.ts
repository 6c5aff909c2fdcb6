import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { NotifyState } from './notifications.js';
import { theme } from './theme.js';
import { emit } from './ui-events.js';

const TITLES: Record<NotifyState, string> = {
  on: 'a notification for each new question while this page is hidden; click to stop',
  off: 'get a browser notification for each new question while this page is hidden',
  blocked: 'this browser blocks notifications from this page: allow them in its site settings',
  unsupported: '',
};

/** The small `notify me` toggle: a click asks the app to turn question notifications on or off. */
@customElement('hive-notify-toggle')
export class HiveNotifyToggle extends LitElement {
  static override styles = [
    theme,
    css`
      button {
        min-height: 1.6rem;
        padding: 0 0.5rem;
        font-size: 0.8rem;
        color: var(--dim);
      }
      button[aria-pressed='true'] {
        color: var(--amber);
        border-color: var(--amber);
      }
    `,
  ];

  @property() state: NotifyState = 'off';

  override render() {
    if (this.state === 'unsupported') return html``;
    const on = this.state === 'on';
    return html`<button
      type="button"
      aria-pressed=${on ? 'true' : 'false'}
      data-notify=${this.state}
      title=${TITLES[this.state]}
      ?disabled=${this.state === 'blocked'}
      @click=${() => emit(this, 'notify-toggle-requested', {})}
    >
      ${on ? '◆' : '◇'} notify me${this.state === 'blocked' ? ' · blocked' : ''}
    </button>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-notify-toggle': HiveNotifyToggle;
  }
}
