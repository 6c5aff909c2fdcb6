import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { AgentState } from '@hive/protocol';
import { busyKey } from './busy.js';
import { panel, theme, spinner } from './theme.js';
import { emit } from './ui-events.js';
import { modelCell, usageLine, usageTitle } from './usage-format.js';
import './hive-activity-chip.js';
import './hive-destroy-button.js';
import './hive-spawn-form.js';

/** `◆ SW4RM`: one row per container with its port, status, activity, today's spend, tag, model, harness link, rebuild and destroy; then the spawn form. */
@customElement('hive-containers')
export class HiveContainers extends LitElement {
  static override styles = [
    theme,
    panel,
    css`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        grid-template-columns: minmax(7rem, 1.1fr) 4.5rem 6.5rem minmax(9rem, 1.5fr) minmax(7rem, 1fr) minmax(6rem, 1fr) auto;
        column-gap: 1rem;
      }
      li {
        grid-column: 1 / -1;
        display: grid;
        grid-template-columns: subgrid;
        row-gap: 0.4rem;
        align-items: center;
        padding: 0.45rem 0;
        border-top: 1px dashed var(--line);
      }
      li.head {
        color: var(--dim);
        font-size: 0.8rem;
        border-top: 0;
        padding-top: 0;
      }
      .name {
        color: var(--amber);
        font-weight: 600;
      }
      .name a {
        color: inherit;
        text-decoration: none;
      }
      .name a:hover {
        text-decoration: underline;
      }
      .badge {
        color: var(--mauve);
        font-weight: 400;
        font-size: 0.75rem;
        margin-left: 0.3rem;
      }
      .status::before {
        content: '●';
        margin-right: 0.35rem;
      }
      .status.running {
        color: var(--green);
      }
      .status.starting,
      .status.building {
        color: var(--amber);
      }
      .status.crashed {
        color: var(--red);
      }
      .status.stopped,
      .status.unknown {
        color: var(--dim);
      }
      .actions {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        justify-content: flex-end;
      }
      .doing {
        display: flex;
        flex-wrap: wrap;
        gap: 0.2rem 0.5rem;
        align-items: center;
      }
      .usage {
        font-size: 0.85rem;
        cursor: help;
      }
      .config,
      .nowrap {
        white-space: nowrap;
      }
      .config {
        font-size: 0.85rem;
      }
      .k {
        display: none;
        color: var(--dim);
      }
      li.empty {
        display: block;
      }
      @media (max-width: 760px) {
        ul {
          grid-template-columns: 1fr 1fr;
        }
        li {
          grid-template-columns: 1fr 1fr;
          column-gap: 1rem;
        }
        li.head {
          display: none;
        }
        .k {
          display: inline;
        }
        .actions {
          grid-column: 1 / -1;
          justify-content: flex-start;
        }
      }
      .health {
        font-size: 0.85em;
        margin-left: 0.4rem;
      }
      .health.ok {
        color: var(--green);
      }
      .health.bad {
        color: var(--red);
      }
    `,
  ];

  @property({ attribute: false }) agents: AgentState[] = [];
  /** Keys of in-flight requests (see busyKey). */
  @property({ attribute: false }) busy: ReadonlySet<string> = new Set();
  /** Passed to the spawn form: the last successful spawn. */
  @property({ attribute: false }) spawned: { name: string; seq: number } | null = null;

  override render() {
    const agents = [...this.agents].sort((a, b) => Number(b.is_manager) - Number(a.is_manager) || a.name.localeCompare(b.name));
    return html`<section class="panel" aria-labelledby="h">
      <h2 id="h"><span class="glyph">◆</span> SW4RM <span class="dim">· containers</span></h2>
      <ul>
        <li class="head" aria-hidden="true"><span>name</span><span>port</span><span>status</span><span>activity · spend</span><span>deployed</span><span>model</span><span></span></li>
        ${agents.length === 0 ? html`<li class="empty">no containers yet</li>` : agents.map((a) => this.row(a))}
      </ul>
      <hive-spawn-form ?busy=${this.busy.has(busyKey.spawn())} .spawned=${this.spawned}></hive-spawn-form>
    </section>`;
  }

  private row(a: AgentState) {
    const rebuilding = this.busy.has(busyKey.rebuild(a.name));
    return html`<li data-agent=${a.name}>
      <span class="name"
        ><a href=${a.url} target="_blank" rel="noopener" title="open ${a.name}'s harness page">${a.name} ↗</a>${a.is_manager
          ? html`<span class="badge">manager</span>`
          : ''}</span
      >
      <span class="port"><span class="k">port </span>${a.port}</span>
      <span class="status ${a.status}" data-status=${a.status}>${a.status}</span>
      <span class="doing"
        ><hive-activity-chip .activity=${a.activity}></hive-activity-chip
        ><span class="usage" title=${usageTitle(a.usage)}>${this.usage(a)}</span></span
      >
      <span class="deployed"><span class="k">tag </span><span class="tag">${a.deployed_tag ?? '—'}</span>${this.health(a)}</span>
      ${this.model(a)}
      <span class="actions">
        <button type="button" ?disabled=${rebuilding} @click=${() => emit(this, 'rebuild-requested', { name: a.name })} aria-label="rebuild ${a.name}">
          ${rebuilding ? spinner : '↻'} R3BU1LD
        </button>
        <hive-destroy-button .name=${a.name} ?busy=${this.busy.has(busyKey.destroy(a.name))}></hive-destroy-button>
      </span>
    </li>`;
  }

  /** The last health check (after the last deploy or rollback): each check in the title, the failing one shown. */
  private health(a: AgentState) {
    const h = a.health;
    if (!h) return '';
    const title = h.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}${c.detail ? `: ${c.detail}` : ''}`).join('\n');
    const bad = h.checks.find((c) => !c.ok);
    return html`<span class="health ${h.ok ? 'ok' : 'bad'}" data-health=${h.ok ? 'ok' : 'failed'} title=${title}
      >${h.ok ? ' ✓ healthy' : ` ✗ unhealthy: ${bad ? `${bad.name}${bad.detail ? ` (${bad.detail})` : ''}` : ''}`}</span
    >`;
  }

  /** Today's spend, broken only between cost and tokens. */
  private usage(a: AgentState) {
    const text = usageLine(a.usage);
    if (!text) return html`<span class="dim">—</span>`;
    const [cost, tokens] = text.split(' · ');
    return html`<span class="nowrap">${cost}</span> · <span class="nowrap">${tokens}</span>`;
  }

  /** What it runs now; agent.nix's default beside it, dimmed, when a runtime override differs. */
  private model(a: AgentState) {
    const m = modelCell(a);
    return html`<span class="model" data-model=${m.runs ?? ''}
      ><span class="k">model </span>${m.runs ?? html`<span class="dim">default</span>`}${m.config
        ? html` <span class="dim config" title="the default in agent.nix">· config ${m.config}</span>`
        : ''}</span
    >`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-containers': HiveContainers;
  }
}
