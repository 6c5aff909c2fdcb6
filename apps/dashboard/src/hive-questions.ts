import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Question } from '@hive/protocol';
import { busyKey } from './busy.js';
import { clock } from './format.js';
import type { NotifyState } from './notifications.js';
import './hive-notify-toggle.js';
import { theme, spinner } from './theme.js';
import { emit } from './ui-events.js';

const ANSWERED_SHOWN = 5;

/** Questions agents asked the operator, each with an answer box; pulses while any is open. */
@customElement('hive-questions')
export class HiveQuestions extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
        border-radius: 4px;
        padding: 0.5rem 0.6rem;
        border: 1px solid transparent;
        margin-top: 0.8rem;
      }
      :host([pulsing]) {
        border-color: var(--amber);
        animation: pulse 1.8s ease-in-out infinite;
      }
      @keyframes pulse {
        50% {
          box-shadow: 0 0 16px 1px rgba(255, 176, 0, 0.4);
        }
      }
      @media (prefers-reduced-motion: reduce) {
        :host([pulsing]) {
          animation: none;
        }
      }
      .bar {
        display: flex;
        justify-content: space-between;
        align-items: center;
        gap: 0.5rem;
        margin: 0 0 0.4rem;
      }
      h3 {
        margin: 0;
      }

      .q {
        padding: 0.4rem 0;
        border-top: 1px dashed var(--line);
      }
      .who {
        color: var(--amber);
        font-weight: 600;
      }
      .text {
        white-space: pre-wrap;
        margin: 0.2rem 0;
      }
      .answer {
        color: var(--green);
        white-space: pre-wrap;
      }
      form {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      textarea {
        flex: 1 1 16rem;
        min-height: 2.2rem;
        resize: vertical;
      }
    `,
  ];

  @property({ attribute: false }) questions: Question[] = [];
  @property({ attribute: false }) busy: ReadonlySet<string> = new Set();
  /** The `notify me` toggle's state (browser notifications for new questions while this page is hidden). */
  @property() notify: NotifyState = 'off';
  /** Reflected so the host pulses while a question is open. */
  @property({ type: Boolean, reflect: true }) pulsing = false;
  @state() private drafts = new Map<number, string>();

  protected override willUpdate(): void {
    this.pulsing = this.questions.some((q) => !q.answered);
  }

  override render() {
    const open = this.questions.filter((q) => !q.answered).sort((a, b) => a.id - b.id);
    const answered = this.questions
      .filter((q) => q.answered)
      .sort((a, b) => b.id - a.id)
      .slice(0, ANSWERED_SHOWN);
    return html`<div class="bar"><h3>questions · ${open.length} open</h3><hive-notify-toggle .state=${this.notify}></hive-notify-toggle></div>
      ${open.length === 0 ? html`<p class="empty">no agent is waiting for an answer</p>` : open.map((q) => this.openQuestion(q))}
      ${answered.map(
        (q) => html`<div class="q dim" data-question=${q.id}>
          <span class="who">${q.agent}</span> ${clock(q.created_at)}
          <p class="text">${q.question}</p>
          <p class="answer">↳ ${q.answer}</p>
        </div>`,
      )}`;
  }

  private openQuestion(q: Question) {
    const busy = this.busy.has(busyKey.answer(q.id));
    return html`<div class="q" data-question=${q.id}>
      <span class="who">${q.agent}</span> <span class="dim">asks · ${clock(q.created_at)}</span>
      <p class="text">${q.question}</p>
      <form @submit=${(e: SubmitEvent) => this.onAnswer(e, q.id)} aria-label="answer ${q.agent}">
        <textarea
          required
          rows="1"
          aria-label="your answer to ${q.agent}"
          placeholder="your answer"
          .value=${this.drafts.get(q.id) ?? ''}
          @input=${(e: Event) => this.drafts.set(q.id, (e.target as HTMLTextAreaElement).value)}
        ></textarea>
        <button type="submit" class="ok" ?disabled=${busy}>${busy ? spinner : '↳'} answer</button>
      </form>
    </div>`;
  }

  private onAnswer(e: SubmitEvent, id: number): void {
    e.preventDefault();
    const answer = (this.drafts.get(id) ?? '').trim();
    if (answer) emit(this, 'answer-requested', { id, answer });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-questions': HiveQuestions;
  }
}
