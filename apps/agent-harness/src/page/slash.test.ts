import { describe, expect, it } from 'vitest';
import { completeSlash, helpText, messageText, parseSlash, slashHints } from './slash.js';

describe('slash commands', () => {
  it('parses a known command with its argument', () => {
    expect(parseSlash('/model opus')).toEqual({ kind: 'command', name: 'model', arg: 'opus' });
    expect(parseSlash('/model')).toEqual({ kind: 'command', name: 'model', arg: '' });
    expect(parseSlash('  /Cancel ')).toEqual({ kind: 'command', name: 'cancel', arg: '' });
  });

  it('reports an unknown command by name', () => {
    expect(parseSlash('/frobnicate now')).toEqual({ kind: 'unknown', name: 'frobnicate' });
  });

  it('treats plain text and the // escape as a message', () => {
    expect(parseSlash('hello')).toEqual({ kind: 'text' });
    expect(parseSlash('//model is a word')).toEqual({ kind: 'text' });
    expect(messageText('//model is a word')).toBe('/model is a word');
  });

  it('hints the commands matching the typed prefix, and none once an argument starts', () => {
    expect(slashHints('/').map((h) => h.name)).toEqual(['model', 'status', 'cancel', 'clear', 'help']);
    expect(slashHints('/c').map((h) => h.name)).toEqual(['cancel', 'clear']);
    expect(slashHints('/model op')).toEqual([]);
    expect(slashHints('hi')).toEqual([]);
  });

  it('tab-completes the first matching command', () => {
    expect(completeSlash('/mo')).toBe('/model ');
    expect(completeSlash('/zz')).toBeNull();
  });

  it('help lists every command', () => {
    for (const c of ['/model', '/status', '/cancel', '/clear', '/help']) expect(helpText()).toContain(c);
  });
});
