import { css, html } from 'lit';

/** The busy mark inside a button or status line (its look is `.spinner` in `theme`). */
export const spinner = html`<span class="spinner" aria-hidden="true"></span>`;

/** Palette, buttons, inputs and focus rings shared by every component's `static styles`. */
export const theme = css`
  :host {
    --bg: #07080a;
    --panel: rgba(16, 17, 22, 0.88);
    --line: #24242c;
    --ink: #d8d2c0;
    --dim: #7d786c;
    --amber: #ffb000;
    --mauve: #c792ea;
    --green: #39ff7a;
    --red: #ff3b4e;
    --focus: 0 0 0 2px var(--bg), 0 0 0 4px var(--amber);
    color: var(--ink);
    font-family: ui-monospace, 'JetBrains Mono', 'DejaVu Sans Mono', Menlo, Consolas, monospace;
  }
  * {
    box-sizing: border-box;
  }
  button,
  input,
  textarea,
  select {
    font: inherit;
    color: inherit;
  }
  button {
    cursor: pointer;
    background: transparent;
    border: 1px solid var(--line);
    border-radius: 3px;
    padding: 0.25rem 0.6rem;
    color: var(--amber);
    display: inline-flex;
    gap: 0.4em;
    align-items: center;
    white-space: nowrap;
    min-height: 2rem;
  }
  button:hover:not(:disabled) {
    border-color: var(--amber);
    background: rgba(255, 176, 0, 0.08);
  }
  button:disabled {
    opacity: 0.55;
    cursor: progress;
  }
  button.ok {
    color: var(--green);
  }
  button.ok:hover:not(:disabled) {
    border-color: var(--green);
    background: rgba(57, 255, 122, 0.08);
  }
  button.danger {
    color: var(--red);
  }
  button.danger:hover:not(:disabled),
  button.danger.armed {
    border-color: var(--red);
    background: rgba(255, 59, 78, 0.12);
  }
  input[type='text'],
  textarea,
  select {
    background: #0d0e12;
    border: 1px solid var(--line);
    border-radius: 3px;
    padding: 0.3rem 0.5rem;
    min-height: 2rem;
  }
  :is(button, input, textarea, select, a, summary):focus-visible {
    outline: none;
    box-shadow: var(--focus);
  }
  a {
    color: var(--mauve);
  }
  .dim {
    color: var(--dim);
  }
  .spinner {
    width: 0.8em;
    height: 0.8em;
    border: 2px solid currentColor;
    border-right-color: transparent;
    border-radius: 50%;
    animation: spin 0.7s linear infinite;
    display: inline-block;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  .tag {
    color: var(--green);
  }
  .empty {
    color: var(--dim);
    font-style: italic;
    padding: 0.4rem 0;
  }
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation-duration: 2s;
    }
  }
`;

/** A panel with an obscured `◆ H34D3R`. */
export const panel = css`
  section.panel {
    background: var(--panel);
    border: 1px solid var(--line);
    border-radius: 4px;
    padding: 0.8rem 1rem 1rem;
  }
  h2 {
    margin: 0 0 0.6rem;
    font-size: 0.95rem;
    letter-spacing: 0.12em;
    color: var(--mauve);
    font-weight: 600;
  }
  h2 .glyph {
    color: var(--amber);
  }
  h3 {
    margin: 0.8rem 0 0.4rem;
    font-size: 0.85rem;
    color: var(--dim);
    font-weight: 500;
  }
`;
