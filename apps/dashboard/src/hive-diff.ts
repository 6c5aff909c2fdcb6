import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ApprovalDiff } from '@hive/protocol';
import { diffSections, markInvisible, type DiffSection } from './diff-split.js';
import { theme } from './theme.js';

/** Most diff lines rendered in one card; the rest is counted, not drawn, so a huge proposal can't freeze the tab. */
export const DIFF_LINE_CAP = 3000;

/** A multi-file diff: one collapsible block per file with its +/- counts. */
@customElement('hive-diff')
export class HiveDiff extends LitElement {
  static override styles = [
    theme,
    css`
      details {
        border: 1px solid var(--line);
        border-radius: 3px;
        margin-top: 0.35rem;
        background: #0b0c10;
      }
      summary {
        cursor: pointer;
        padding: 0.3rem 0.5rem;
        display: flex;
        gap: 0.8rem;
        align-items: baseline;
        list-style: none;
      }
      summary::before {
        content: '▸';
        color: var(--dim);
      }
      details[open] > summary::before {
        content: '▾';
      }
      .path {
        color: var(--ink);
        overflow-wrap: anywhere;
        flex: 1;
      }
      .add,
      .l.add {
        color: var(--green);
      }
      .del,
      .l.del {
        color: var(--red);
      }
      pre {
        margin: 0;
        padding: 0.3rem 0.5rem 0.5rem;
        overflow-x: auto;
        font-size: 0.8rem;
        line-height: 1.35;
        border-top: 1px dashed var(--line);
      }
      .l {
        display: block;
        white-space: pre;
        min-height: 1.35em;
      }
      .l.hunk {
        color: var(--mauve);
      }
      .notice {
        color: var(--amber);
        margin: 0.4rem 0 0;
        font-size: 0.85rem;
      }
      .noop {
        color: var(--dim);
        font-style: italic;
      }
      /* A control, bidi or zero-width character, shown as its name instead of acting on the text. */
      .mark {
        color: #0b0c10;
        background: var(--amber);
        border-radius: 2px;
        padding: 0 0.15em;
        font-size: 0.75em;
        font-weight: 600;
      }
      .header {
        color: var(--dim);
        font-size: 0.78rem;
      }
      .header.loud {
        color: var(--amber);
      }
      .badge {
        color: var(--amber);
        font-size: 0.75rem;
      }
      .l,
      .path {
        unicode-bidi: isolate;
        direction: ltr;
      }
    `,
  ];

  @property({ attribute: false }) diff: ApprovalDiff | null = null;
  /** For the "see the full text" hint. */
  @property({ type: Number }) approvalId = 0;
  /** Start with the files folded (a resolved approval); open ones unfold when there are few files. */
  @property({ type: Boolean }) folded = false;

  override render() {
    const d = this.diff;
    if (!d) return html``;
    const sections = diffSections(d, DIFF_LINE_CAP);
    if (sections.length === 0) return html`<p class="noop">${d.text.trim() || '(empty diff)'}</p>`;
    const hidden = sections.reduce((n, s) => n + s.hidden, 0);
    const cut = sections.filter((s) => s.cut);
    const open = !this.folded && sections.length <= 6;
    return html`${sections.map((s) => this.file(s, open))}
    ${d.truncated || hidden > 0
      ? html`<p class="notice" role="note">
          ⚠ diff capped${hidden > 0 ? html`: ${hidden} more lines not shown` : ''}${cut.length
            ? html` (the daemon cut ${cut.length} file${cut.length > 1 ? 's' : ''} at its size cap: ${cut.map((c, i) => html`${i ? ', ' : ''}${visible(c.path)}`)})`
            : d.truncated ? ' (the daemon cut the text at its size cap)' : ''} — every file is listed above with its counts; run
          <code>hive diff ${this.approvalId}</code> for the text.
        </p>`
      : ''}`;
  }

  private file(s: DiffSection, open: boolean) {
    // Anything but an ordinary text file with unchanged mode is worth the operator's eye.
    const loud = s.kind !== 'file' || s.status === 'type-changed' || (s.old_mode !== null && s.new_mode !== null && s.old_mode !== s.new_mode);
    return html`<details ?open=${open} data-file=${s.path} data-kind=${s.kind}>
      <summary>
        <span class="path">${visible(s.path)}</span>
        ${s.kind !== 'file' ? html`<span class="badge">${s.kind}</span>` : ''}
        ${s.cut ? html`<span class="badge">cut</span>` : ''}
        ${s.binary ? html`<span class="dim">binary</span>` : html`<span class="add">+${s.added}</span><span class="del">−${s.removed}</span>`}
      </summary>
      <div class="header ${loud ? 'loud' : ''}" style="padding: 0 0.5rem 0.3rem">${visible(s.header)}</div>
      ${s.lines.length || s.hidden || s.cut
        ? html`<pre>${s.lines.map((l) => html`<span class="l ${lineClass(l)}">${visible(l)}</span>`)}${s.hidden
            ? html`<span class="l dim">… ${s.hidden} more lines</span>`
            : ''}${s.cut ? html`<span class="l dim">… cut by the daemon's size cap</span>` : ''}</pre>`
        : ''}
    </details>`;
  }
}

/** Text with each control, bidi or zero-width character replaced by a styled ⟨NAME⟩ mark (text nodes only, never HTML). */
function visible(text: string) {
  return markInvisible(text).map((p) => ('mark' in p ? html`<span class="mark" title=${`U+${p.code.toString(16).toUpperCase().padStart(4, '0')}`}>⟨${p.mark}⟩</span>` : p.text));
}

function lineClass(l: string): string {
  if (l.startsWith('@@')) return 'hunk';
  if (l.startsWith('+')) return 'add';
  if (l.startsWith('-')) return 'del';
  return '';
}

declare global {
  interface HTMLElementTagNameMap {
    'hive-diff': HiveDiff;
  }
}
