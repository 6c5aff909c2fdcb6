import { css } from 'lit';

/** The hive look shared with the dashboard: near-black ground, amber / mauve / matrix-green, lowercase mono. */
export const theme = css`
  :host {
    --bg: #07080a;
    --panel: #0d0f12;
    --line: #1f242b;
    --amber: #ffb347;
    --mauve: #c39bd3;
    --green: #3dff7a;
    --dim: #6b7480;
    --text: #d6d9dd;
    --red: #ff5f6d;
    font-family: 'JetBrains Mono', 'Fira Code', ui-monospace, 'DejaVu Sans Mono', monospace;
    font-size: 13px;
    color: var(--text);
    text-transform: lowercase;
  }
  h2 {
    margin: 0 0 8px;
    font-size: 12px;
    font-weight: 600;
    letter-spacing: 0.18em;
    color: var(--mauve);
    text-transform: none;
  }
  h2 .glyph {
    color: var(--amber);
    margin-right: 6px;
  }
  .dim {
    color: var(--dim);
  }
`;
