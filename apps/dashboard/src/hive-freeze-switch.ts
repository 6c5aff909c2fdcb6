import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { FreezeState } from '@hive/protocol';
import { emit } from './ui-events.js';
import { theme, spinner } from './theme.js';

/**
 * The hive's stop switch: freeze (with a reason) cancels every running turn, holds every inbox and
 * refuses deploys until thawed. Frozen, it is a banner that says since when and why.
 */
@customElement('hive-freeze-switch')
export class HiveFreezeSwitch extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
        margin: 0 0 0.8rem;
      }
      .frozen {
        border: 1px solid var(--red);
        padding: 0.5rem 0.8rem;
        display: flex;
        gap: 0.8rem;
        align-items: center;
        flex-wrap: wrap;
      }
      .frozen strong {
        color: var(--red);
      }
      form {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        align-items: center;
      }
      input {
        flex: 1 1 16rem;
      }
    `,
  ];

  @property({ attribute: false }) frozen: FreezeState | null = null;
  @property({ type: Boolean }) busy = false;
  @state() private open = false;
  @state() private reason = '';

  override render() {
    if (this.frozen)
      return html`<div class="frozen" role="alert" data-frozen="1">
        <strong>❄ hive frozen</strong>
        <span>since ${new Date(this.frozen.since).toLocaleString()}: ${this.frozen.reason}</span>
        <span class="dim">turns cancelled, inboxes held, approve / rollback / spawn / rebuild refused</span>
        <button type="button" class="ok" ?disabled=${this.busy} @click=${() => emit(this, 'thaw-requested', {})}>${this.busy ? spinner : '☀'} thaw</button>
      </div>`;
    if (!this.open)
      return html`<button type="button" class="danger" data-frozen="0" aria-expanded="false" @click=${() => (this.open = true)}>❄ freeze the hive…</button>`;
    return html`<form aria-label="freeze the hive" @submit=${this.onSubmit}>
      <input
        type="text"
        name="reason"
        maxlength="4000"
        placeholder="why (shown in every refusal)"
        aria-label="reason for freezing"
        .value=${this.reason}
        @input=${(e: Event) => (this.reason = (e.target as HTMLInputElement).value)}
      />
      <button type="submit" class="danger" ?disabled=${this.busy}>${this.busy ? spinner : '❄'} freeze</button>
      <button type="button" @click=${() => (this.open = false)}>cancel</button>
    </form>`;
  }

  private onSubmit(e: SubmitEvent): void {
    e.preventDefault();
    emit(this, 'freeze-requested', { reason: this.reason.trim() });
    this.open = false;
    this.reason = '';
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-freeze-switch': HiveFreezeSwitch;
  }
}
