import { LitElement, css, html } from 'lit';
import type { ChatEntry } from '@hive/protocol';
import { theme } from './theme.js';

const WHO: Record<ChatEntry['role'], string> = {
  operator: 'you',
  agent: 'agent',
  event: 'event',
  message: 'msg',
  answer: 'answer',
  system: 'sys',
  error: 'error',
  tool: 'tool',
};

/** The harness's per-turn usage line (`$0.0123 · 1.2k in / 340 out`): shown small, under its turn. */
const USAGE_LINE = /^\$\d+\.\d{2,4} · [\d.]+[kM]? in \/ [\d.]+[kM]? out/;
const isUsage = (e: ChatEntry): boolean => e.role === 'system' && USAGE_LINE.test(e.text);

/** The chat log: persisted entries plus the live text of the running turn. */
export class HiveChatLog extends LitElement {
  static override properties = { entries: { attribute: false }, streaming: { attribute: false } };
  static override styles = [
    theme,
    css`
      :host {
        display: block;
        overflow-y: auto;
        padding: 4px 2px;
      }
      .entry {
        display: grid;
        grid-template-columns: 64px 1fr;
        gap: 10px;
        padding: 6px 4px;
        border-bottom: 1px dashed #14181d;
      }
      .who {
        color: var(--dim);
        text-align: right;
      }
      .text {
        white-space: pre-wrap;
        word-break: break-word;
        text-transform: none;
      }
      .operator .who { color: var(--amber); }
      .operator .text { color: #ffe2b8; }
      .agent .who, .streaming .who { color: var(--green); }
      .agent .text, .streaming .text { color: #c8ffd9; }
      .event .who, .message .who, .answer .who { color: var(--mauve); }
      .event .text, .message .text { color: #e4d2ec; }
      .error .who, .error .text { color: var(--red); }
      .tool .text, .system .text { color: var(--dim); }
      .entry.usage { padding: 0 4px 6px; border-bottom: 1px dashed #14181d; margin-top: -6px; }
      .usage .text { font-size: 11px; color: var(--dim); }
      .cursor { display: inline-block; width: 7px; height: 1em; background: var(--green); vertical-align: text-bottom; animation: blink 1s steps(1) infinite; }
      @keyframes blink { 50% { opacity: 0; } }
      .empty { color: var(--dim); padding: 24px 8px; }
    `,
  ];

  /** Entries to show, oldest first. */
  declare entries: ChatEntry[];
  /** Live text per running turn, replaced by the final entry when the turn ends. */
  declare streaming: Map<number, string>;

  constructor() {
    super();
    this.entries = [];
    this.streaming = new Map();
  }

  override updated(): void {
    this.scrollTop = this.scrollHeight;
  }

  override render() {
    if (!this.entries.length && !this.streaming.size) return html`<div class="empty">no messages yet — say something, or type / for commands</div>`;
    return html`
      ${this.entries.map((e) =>
        isUsage(e)
          ? html`<div class="entry usage" data-role="usage" data-turn=${e.turn ?? ''}><span class="who"></span><span class="text">${e.text}</span></div>`
          : html`<div class="entry ${e.role}" data-role=${e.role}>
              <span class="who">${WHO[e.role]}</span>
              <span class="text">${e.text}</span>
            </div>`,
      )}
      ${[...this.streaming].map(
        ([turn, text]) => html`<div class="entry streaming" data-turn=${turn}>
          <span class="who">agent</span><span class="text">${text}<span class="cursor"></span></span>
        </div>`,
      )}
    `;
  }
}
customElements.define('hive-chat-log', HiveChatLog);

declare global {
  interface HTMLElementTagNameMap {
    'hive-chat-log': HiveChatLog;
  }
}
