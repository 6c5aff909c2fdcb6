import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { theme, spinner } from './theme.js';
import { emit } from './ui-events.js';

/** Name input + sp4wn button; sends `spawn-requested`. Clears itself once `spawned` names what it still holds. */
@customElement('hive-spawn-form')
export class HiveSpawnForm extends LitElement {
  static override styles = [
    theme,
    css`
      form {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        align-items: center;
        margin-top: 0.8rem;
      }
      label {
        color: var(--dim);
      }
      input {
        width: 12ch;
        flex: 0 1 14ch;
      }
    `,
  ];

  /** True while the spawn request is in flight. */
  @property({ type: Boolean }) busy = false;
  /** Set by the app after each successful spawn. The input empties only if it still holds that name, so a name typed meanwhile survives. */
  @property({ attribute: false }) spawned: { name: string; seq: number } | null = null;
  @state() private name = '';

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('spawned') && this.spawned && this.name.trim() === this.spawned.name) this.name = '';
  }

  override render() {
    return html`<form @submit=${this.onSubmit} aria-label="spawn an agent">
      <label for="name">+ new agent</label>
      <input
        id="name"
        name="name"
        type="text"
        required
        maxlength="64"
        autocomplete="off"
        autocapitalize="off"
        spellcheck="false"
        placeholder="name"
        .value=${this.name}
        @input=${(e: Event) => (this.name = (e.target as HTMLInputElement).value)}
      />
      <button type="submit" class="ok" ?disabled=${this.busy}>${this.busy ? spinner : '▲'} sp4wn</button>
    </form>`;
  }

  private onSubmit(e: SubmitEvent): void {
    e.preventDefault();
    const name = this.name.trim();
    if (name && !this.busy) emit(this, 'spawn-requested', { name });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-spawn-form': HiveSpawnForm;
  }
}
