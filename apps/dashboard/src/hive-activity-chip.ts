import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { AgentActivity } from '@hive/protocol';
import { theme } from './theme.js';

const TITLES: Record<AgentActivity, string> = {
  idle: 'nothing to do: waiting for its inbox',
  queued: 'queued for a slot: HIVE_MAX_TURNS turns already run',
  working: 'running a turn',
  waiting: 'waiting for your answer to its question',
  error: 'its last turn failed, or it crashed',
};

/** What an agent is doing, as a small chip: `idle`, `queued for a slot` (amber, dashed), `working` (turning mark), `waiting` (amber pulse), `error` (red). */
@customElement('hive-activity-chip')
export class HiveActivityChip extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: inline-block;
      }
      .chip {
        display: inline-flex;
        align-items: center;
        gap: 0.35em;
        padding: 0 0.5em;
        border: 1px solid var(--line);
        border-radius: 999px;
        font-size: 0.8rem;
        line-height: 1.5;
        color: var(--dim);
      }
      .mark {
        display: inline-block;
      }
      .working {
        color: var(--green);
        border-color: rgba(57, 255, 122, 0.35);
      }
      .working .mark {
        animation: spin 1.1s steps(4) infinite;
      }
      .waiting {
        color: var(--amber);
        border-color: var(--amber);
        animation: pulse 1.6s ease-in-out infinite;
      }
      .queued {
        color: var(--amber);
        border-style: dashed;
        border-color: var(--amber);
      }
      .error {
        color: var(--red);
        border-color: var(--red);
        background: rgba(255, 59, 78, 0.1);
      }
      @keyframes pulse {
        50% {
          box-shadow: 0 0 10px 1px rgba(255, 176, 0, 0.45);
          background: rgba(255, 176, 0, 0.12);
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .working .mark,
        .waiting {
          animation: none;
        }
      }
    `,
  ];

  /** Absent when the daemon does not report activity: nothing is drawn. */
  @property() activity: AgentActivity | undefined;

  override render() {
    const a = this.activity;
    if (!a) return html``;
    const mark = a === 'working' ? '◐' : a === 'waiting' ? '?' : a === 'error' ? '✕' : a === 'queued' ? '⧗' : '○';
    const label = a === 'queued' ? 'queued for a slot' : a;
    return html`<span class="chip ${a}" data-activity=${a} title=${TITLES[a]}><span class="mark" aria-hidden="true">${mark}</span>${label}</span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-activity-chip': HiveActivityChip;
  }
}
