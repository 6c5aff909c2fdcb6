import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { parseHiveEvent, type HiveEvent } from '@hive/protocol';
import { clock, describeEvent } from './format.js';
import { theme } from './theme.js';

/** Event and deploy history, newest first, filterable by agent. */
@customElement('hive-events')
export class HiveEvents extends LitElement {
  static override styles = [
    theme,
    css`
      .bar {
        display: flex;
        justify-content: space-between;
        align-items: center;
        gap: 0.5rem;
        margin: 0.8rem 0 0.4rem;
      }
      h3 {
        margin: 0;
      }
      label {
        color: var(--dim);
        display: inline-flex;
        gap: 0.4rem;
        align-items: center;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        max-height: 24rem;
        overflow: auto;
      }
      li {
        padding: 0.15rem 0;
        display: grid;
        grid-template-columns: 5.5rem 9.5rem 1fr;
        gap: 0.6rem;
        overflow-wrap: anywhere;
      }
      .type {
        color: var(--mauve);
      }
      li.bad .type,
      li.bad .what {
        color: var(--red);
      }
      li.good .what {
        color: var(--green);
      }
      @media (max-width: 760px) {
        li {
          grid-template-columns: 4.8rem 1fr;
        }
        .type {
          display: none;
        }
      }
    `,
  ];

  @property({ attribute: false }) events: HiveEvent[] = [];
  @state() private agent = '';

  override render() {
    const agents = [...new Set(this.events.map((e) => e.agent).filter((a): a is string => !!a))].sort();
    const shown = this.events.filter((e) => !this.agent || e.agent === this.agent).sort((a, b) => b.id - a.id);
    return html`<div class="bar">
        <h3>events · deploy history</h3>
        <label
          >agent
          <select aria-label="filter events by agent" @change=${(e: Event) => (this.agent = (e.target as HTMLSelectElement).value)}>
            <option value="" ?selected=${!this.agent}>all</option>
            ${agents.map((a) => html`<option value=${a} ?selected=${a === this.agent}>${a}</option>`)}
          </select></label
        >
      </div>
      ${shown.length === 0
        ? html`<p class="empty">no events yet</p>`
        : html`<ol>
            ${shown.map(
              (e) =>
                html`<li class=${tone(e)} data-event=${e.type} data-agent=${e.agent ?? ''}>
                  <span class="dim">${clock(e.ts)}</span><span class="type">${e.type}</span><span class="what">${describeEvent(e)}</span>
                </li>`,
            )}
          </ol>`}`;
  }
}

/** Red for what went wrong, green for what landed; an event of an older format gets neither. */
function tone(e: HiveEvent): string {
  const t = parseHiveEvent(e);
  switch (t?.type) {
    case 'container_crash':
    case 'PortConflict':
      return 'bad';
    case 'Spawned':
      return 'good';
    case 'Rebuilt':
    case 'TurnRecorded':
      return t.data.ok ? 'good' : 'bad';
    case 'ApprovalResolved':
      return t.data.status === 'deployed' ? 'good' : 'bad';
    default:
      return '';
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-events': HiveEvents;
  }
}
