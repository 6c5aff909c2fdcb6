import { describe, expect, it } from 'vitest';
import { escapeVisible, hasInvisible, visibleParts } from './index.js';

describe('escapeVisible', () => {
  it('shows ESC and CR in terminal style, so a line cannot be erased or rewritten', () => {
    const line = '+model = "opus";\x1b[2K\r+model = "haiku";';
    expect(escapeVisible(line, { style: 'terminal' })).toBe('+model = "opus";\\x1b[2K\\r+model = "haiku";');
  });

  it('shows every C0 control but \\n and \\t, DEL and C1 controls', () => {
    expect(escapeVisible('a\0b\x07c\x08d\x7fe\x85f\x9bg', { style: 'terminal' })).toBe('a\\0b\\x07c\\bd\\x7fe<U+0085>f<U+009B>g');
    expect(escapeVisible('keep\ttabs\nand lines\n', { style: 'terminal' })).toBe('keep\ttabs\nand lines\n');
  });

  it('shows bidi overrides, isolates and marks, so text cannot be reordered on screen', () => {
    const bidi = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'];
    for (const c of bidi) {
      const code = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      expect(escapeVisible(`x${c}y`, { style: 'terminal' })).toBe(`x<U+${code}>y`);
      expect(escapeVisible(`x${c}y`, { style: 'marks' })).toBe(`x⟨U+${code}⟩y`);
    }
  });

  it('shows zero-width characters and the BOM', () => {
    expect(escapeVisible('a\u200Bb\u200Cc\u200Dd\u2060e\uFEFFf', { style: 'terminal' })).toBe(
      'a<U+200B>b<U+200C>c<U+200D>d<U+2060>e<U+FEFF>f',
    );
  });

  it('names controls in marks style and leaves ordinary text, accents and emoji alone', () => {
    expect(escapeVisible('\x1b[31m\r\0\x7f', { style: 'marks' })).toBe('⟨ESC⟩[31m⟨CR⟩⟨NUL⟩⟨DEL⟩');
    const plain = 'éèñ — ✓ 日本 🐝 "quotes" \\x1b literal';
    expect(escapeVisible(plain, { style: 'terminal' })).toBe(plain);
    expect(hasInvisible(plain)).toBe(false);
    expect(hasInvisible('a\u202Eb')).toBe(true);
  });
});

describe('visibleParts', () => {
  it('splits text into plain runs and marks', () => {
    expect(visibleParts('ok\x1b[2Kx\u202E')).toEqual([
      { text: 'ok' },
      { mark: 'ESC', code: 0x1b },
      { text: '[2Kx' },
      { mark: 'U+202E', code: 0x202e },
    ]);
    expect(visibleParts('plain')).toEqual([{ text: 'plain' }]);
    expect(visibleParts('')).toEqual([]);
  });
});
