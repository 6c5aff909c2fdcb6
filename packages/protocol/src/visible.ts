/**
 * Characters that change how text reads without showing themselves: C0 controls but \n and \t
 * (ESC starts terminal sequences, CR rewrites the line), DEL, C1 controls, bidi overrides and
 * isolates (reorder text on screen), zero-width and other invisible characters, tag characters.
 */
export const INVISIBLE =
  /[\0-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/u;
const INVISIBLE_G = new RegExp(INVISIBLE.source, 'gu');

export type VisibleStyle = 'terminal' | 'marks';

const TERMINAL_NAMES: Record<number, string> = { 0x0d: '\\r', 0x08: '\\b', 0x0b: '\\v', 0x0c: '\\f', 0x00: '\\0' };
const MARK_NAMES: Record<number, string> = { 0x00: 'NUL', 0x08: 'BS', 0x0b: 'VT', 0x0c: 'FF', 0x0d: 'CR', 0x1b: 'ESC', 0x7f: 'DEL' };

const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0');

/** How one invisible character is shown: terminal `\x1b`, `\r`, `<U+202E>`; marks `ESC`, `CR`, `U+202E` (the caller wraps it). */
export function visibleName(ch: string, style: VisibleStyle): string {
  const cp = ch.codePointAt(0)!;
  if (style === 'marks') return MARK_NAMES[cp] ?? `U+${hex(cp, 4)}`;
  if (TERMINAL_NAMES[cp]) return TERMINAL_NAMES[cp];
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2).toLowerCase()}`;
  return `<U+${hex(cp, 4)}>`;
}

/**
 * `text` with every invisible character made visible: `terminal` style for a terminal
 * (`\x1b`, `\r`, `<U+202E>`), `marks` style as `⟨ESC⟩`, `⟨U+202E⟩`. \n and \t stay as they are.
 */
export function escapeVisible(text: string, o: { style: VisibleStyle } = { style: 'terminal' }): string {
  return text.replace(INVISIBLE_G, (ch) => (o.style === 'marks' ? `⟨${visibleName(ch, 'marks')}⟩` : visibleName(ch, 'terminal')));
}

/** True when `text` holds any character escapeVisible would change. */
export function hasInvisible(text: string): boolean {
  return INVISIBLE.test(text);
}

/** One run of `text`: plain text, or one invisible character with its mark name (for rendering a styled span). */
export type VisiblePart = { text: string } | { mark: string; code: number };

/** Splits `text` into plain runs and invisible characters, so a UI can style each mark without HTML. */
export function visibleParts(text: string): VisiblePart[] {
  const parts: VisiblePart[] = [];
  let last = 0;
  for (const m of text.matchAll(INVISIBLE_G)) {
    if (m.index! > last) parts.push({ text: text.slice(last, m.index) });
    parts.push({ mark: visibleName(m[0], 'marks'), code: m[0].codePointAt(0)! });
    last = m.index! + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}
