import { LitElement, css, html } from 'lit';
import { completeSlash, slashHints } from './slash.js';
import { theme } from './theme.js';

/** Fired when the operator presses enter with something typed. */
export type SendRequestedEvent = CustomEvent<{ text: string }>;

/** The input box with the slash-command hint list and tab completion. */
export class HiveChatInput extends LitElement {
  static override properties = { busy: { type: Boolean }, value: { state: true } };
  static override styles = [
    theme,
    css`
      :host { display: block; position: relative; }
      form { display: flex; gap: 8px; }
      input {
        flex: 1;
        background: #050607;
        color: var(--amber);
        border: 1px solid var(--line);
        padding: 10px 12px;
        font: inherit;
        outline: none;
        caret-color: var(--green);
      }
      input:focus { border-color: var(--amber); box-shadow: 0 0 0 1px #ffb34733; }
      button {
        background: transparent;
        color: var(--green);
        border: 1px solid var(--green);
        padding: 0 16px;
        font: inherit;
        cursor: pointer;
        letter-spacing: 0.1em;
      }
      button:hover { background: #3dff7a18; }
      .hints {
        position: absolute;
        bottom: 100%;
        left: 0;
        margin-bottom: 4px;
        background: var(--panel);
        border: 1px solid var(--mauve);
        min-width: 360px;
        padding: 4px 0;
      }
      .hint { padding: 3px 10px; display: flex; gap: 12px; }
      .hint:first-child { background: #c39bd31c; }
      .hint .usage { color: var(--mauve); min-width: 110px; }
      .hint .help { color: var(--dim); }
    `,
  ];

  /** Shown as a hint in the placeholder while a turn runs. */
  declare busy: boolean;
  declare value: string;
  #sent: string[] = [];
  #recall = -1;

  constructor() {
    super();
    this.busy = false;
    this.value = '';
  }

  override render() {
    const hints = slashHints(this.value);
    return html`
      ${hints.length
        ? html`<div class="hints" role="listbox">
            ${hints.map((h) => html`<div class="hint" role="option"><span class="usage">${h.usage}</span><span class="help">${h.help}</span></div>`)}
          </div>`
        : ''}
      <form @submit=${this.#submit}>
        <input
          name="message"
          autocomplete="off"
          spellcheck="false"
          .value=${this.value}
          placeholder=${this.busy ? 'agent is busy — your message will queue · /cancel stops it' : 'message the agent · / for commands'}
          @input=${(e: Event) => (this.value = (e.target as HTMLInputElement).value)}
          @keydown=${this.#keydown}
        />
        <button type="submit">send</button>
      </form>
    `;
  }

  override focus(): void {
    this.renderRoot.querySelector('input')?.focus();
  }

  #keydown(e: KeyboardEvent): void {
    if (e.key === 'Tab') {
      const done = completeSlash(this.value);
      if (done) {
        e.preventDefault();
        this.value = done;
      }
    } else if (e.key === 'ArrowUp' && this.#sent.length && (!this.value || this.#recall >= 0)) {
      e.preventDefault();
      this.#recall = Math.min(this.#recall + 1, this.#sent.length - 1);
      this.value = this.#sent[this.#sent.length - 1 - this.#recall]!;
    } else if (e.key === 'ArrowDown' && this.#recall >= 0) {
      e.preventDefault();
      this.#recall -= 1;
      this.value = this.#recall >= 0 ? this.#sent[this.#sent.length - 1 - this.#recall]! : '';
    } else if (e.key === 'Escape') {
      this.value = '';
    }
  }

  #submit(e: Event): void {
    e.preventDefault();
    const text = this.value.trim();
    if (!text) return;
    this.#sent.push(text);
    this.#recall = -1;
    this.value = '';
    this.dispatchEvent(new CustomEvent('send-requested', { detail: { text }, bubbles: true, composed: true }));
  }
}
customElements.define('hive-chat-input', HiveChatInput);

declare global {
  interface HTMLElementTagNameMap {
    'hive-chat-input': HiveChatInput;
  }
  interface HTMLElementEventMap {
    'send-requested': SendRequestedEvent;
  }
}
