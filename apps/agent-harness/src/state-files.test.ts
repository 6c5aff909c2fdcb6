import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { History } from './history.js';
import { appendJsonLine, readJsonLines } from './state-files.js';

const Row = z.object({ n: z.number().int() });
const dir = () => mkdtempSync(path.join(tmpdir(), 'hive-jsonl-'));

describe('readJsonLines', () => {
  it('reads every line the schema accepts, in file order', () => {
    const file = path.join(dir(), 'log.jsonl');
    writeFileSync(file, '{"n":1}\n{"n":2}\n\n   \n{"n":3}\n');
    expect(readJsonLines(file, Row)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('skips a torn last line, malformed JSON and lines of another shape instead of failing', () => {
    const file = path.join(dir(), 'log.jsonl');
    writeFileSync(file, '{"n":1}\nnot json\n{"n":"two"}\n["n",2]\n{"n":4}\n{"n":5');
    expect(readJsonLines(file, Row)).toEqual([{ n: 1 }, { n: 4 }]);
  });

  it('is empty for a missing file', () => {
    expect(readJsonLines(path.join(dir(), 'nope.jsonl'), Row)).toEqual([]);
  });
});

describe('appendJsonLine', () => {
  it('appends one line to a new file with mode 0600', () => {
    const file = path.join(dir(), 'log.jsonl');
    appendJsonLine(file, { n: 1 });
    appendJsonLine(file, { n: 2 });
    expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('ends a torn last line first, so the appended record is not glued to it', () => {
    const file = path.join(dir(), 'log.jsonl');
    writeFileSync(file, '{"n":1}\n{"n":');
    appendJsonLine(file, { n: 3 });
    expect(readJsonLines(file, Row)).toEqual([{ n: 1 }, { n: 3 }]);
  });
});

describe('History reload', () => {
  it('keeps ids and turn numbers rising across a restart whose log ends in a torn line', () => {
    const state = dir();
    const first = new History(state);
    first.append({ role: 'operator', text: 'hi', turn: 1 });
    first.append({ role: 'agent', text: 'hello', turn: 1 });
    appendFileSync(first.file, '{"id":3,"ts":"2026-');
    const again = new History(state);
    expect(again.list().map((e) => [e.id, e.text])).toEqual([
      [1, 'hi'],
      [2, 'hello'],
    ]);
    expect(again.lastTurn()).toBe(1);
    expect(again.append({ role: 'operator', text: 'next', turn: 2 }).id).toBe(3);
    expect(new History(state).list().map((e) => e.text)).toEqual(['hi', 'hello', 'next']);
  });
});
