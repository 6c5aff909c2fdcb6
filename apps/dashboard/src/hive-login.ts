import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { emit } from './ui-events.js';
import { theme } from './theme.js';

/** The token form shown when the daemon says this browser has no session. */
@customElement('hive-login')
export class HiveLogin extends LitElement {
  static override styles = [
    theme,
    css`
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        border: 1px solid var(--amber);
        border-radius: 4px;
        padding: 0.8rem 1rem;
        margin-bottom: 1rem;
      }
      input {
        flex: 1 1 22rem;
      }
      .error {
        color: var(--red);
        flex-basis: 100%;
      }
    `,
  ];

  /** The daemon's refusal of the last try, if any. */
  @property() error = '';
  @property({ type: Boolean }) busy = false;
  @state() private token = '';

  override render() {
    return html`<form @submit=${this.submit} aria-label="operator login">
      <label for="token">operator token</label>
      <input
        id="token"
        type="password"
        autocomplete="off"
        placeholder="from the login link hive up printed, or <state>/operator-token"
        .value=${this.token}
        @input=${(e: InputEvent) => (this.token = (e.target as HTMLInputElement).value.trim())}
      />
      <button type="submit" ?disabled=${this.busy || !this.token}>${this.busy ? html`<span class="spinner"></span>` : ''}log in</button>
      ${this.error ? html`<span class="error" role="alert">${this.error}</span>` : ''}
    </form>`;
  }

  private submit(e: Event): void {
    e.preventDefault();
    if (this.token) emit(this, 'login-requested', { token: this.token });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-login': HiveLogin;
  }
}
