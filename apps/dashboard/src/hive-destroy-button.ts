import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { theme, spinner } from './theme.js';
import { emit } from './ui-events.js';

const DISARM_MS = 5000;

/** Destroy with a two-click acknowledgement: the first click arms ("sure? click again"), the second sends `destroy-requested`. */
@customElement('hive-destroy-button')
export class HiveDestroyButton extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: inline-flex;
        gap: 0.5rem;
        align-items: center;
      }
      label {
        color: var(--dim);
        display: inline-flex;
        gap: 0.25rem;
        align-items: center;
        cursor: pointer;
      }
      input {
        accent-color: var(--red);
      }
    `,
  ];

  @property() name = '';
  /** True while the destroy request is in flight. */
  @property({ type: Boolean }) busy = false;
  @state() private armed = false;
  @state() private purge = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.timer);
  }

  override render() {
    return html`<label title="also delete its config repos and state"
        ><input type="checkbox" .checked=${this.purge} @change=${(e: Event) => (this.purge = (e.target as HTMLInputElement).checked)} />purge</label
      >
      <button
        type="button"
        class="danger ${this.armed ? 'armed' : ''}"
        ?disabled=${this.busy}
        aria-label=${this.armed ? `sure? click again to destroy ${this.name}` : `destroy ${this.name}`}
        @click=${this.onClick}
      >
        ${this.busy ? spinner : ''}${this.armed ? 'sure? click again' : '✗ destroy'}
      </button>`;
  }

  private onClick(): void {
    if (!this.armed) {
      this.armed = true;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.disarm(), DISARM_MS);
      return;
    }
    this.disarm();
    emit(this, 'destroy-requested', { name: this.name, purge: this.purge });
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.armed = false;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-destroy-button': HiveDestroyButton;
  }
}
