import { describe, expect, it } from 'vitest';
import { diffSections, splitChunks } from './diff-split.js';

const text = [
  'diff --git a/agent.nix b/agent.nix',
  'index 1111111..2222222 100644',
  '--- a/agent.nix',
  '+++ b/agent.nix',
  '@@ -1,2 +1,2 @@',
  ' { ... }:',
  '-{ hive.model = "sonnet"; }',
  '+{ hive.model = "opus"; }',
  'diff --git a/notes/new.md b/notes/new.md',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/notes/new.md',
  '@@ -0,0 +1 @@',
  '+hello',
  'diff --git a/old.txt b/old.txt',
  'deleted file mode 100644',
  '--- a/old.txt',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-bye',
  'diff --git a/logo.png b/logo.png',
  'new file mode 100644',
  'Binary files /dev/null and b/logo.png differ',
  '',
].join('\n');

const files = [
  { path: 'agent.nix', added: 1, removed: 1, binary: false },
  { path: 'notes/new.md', added: 1, removed: 0, binary: false },
  { path: 'old.txt', added: 0, removed: 1, binary: false },
  { path: 'logo.png', added: 0, removed: 0, binary: true },
];

describe('splitChunks', () => {
  it('keys each file by its new path, or its old path when deleted', () => {
    expect([...splitChunks(text).keys()]).toEqual(['agent.nix', 'notes/new.md', 'old.txt', 'logo.png']);
  });
});

describe('diffSections', () => {
  it('pairs every file of a multi-file diff with its own hunks', () => {
    const s = diffSections({ text, files, truncated: false });
    expect(s.map((x) => [x.path, x.lines.length, x.hidden])).toEqual([
      ['agent.nix', 4, 0],
      ['notes/new.md', 2, 0],
      ['old.txt', 2, 0],
      ['logo.png', 0, 0],
    ]);
    expect(s[0]?.lines[3]).toBe('+{ hive.model = "opus"; }');
  });
  it('keeps at most the line budget and counts what it hid', () => {
    const s = diffSections({ text, files, truncated: false }, 5);
    expect(s.map((x) => x.lines.length)).toEqual([4, 1, 0, 0]);
    expect(s.map((x) => x.hidden)).toEqual([0, 1, 2, 0]);
  });
  it('marks files whose hunks the daemon cut off', () => {
    const s = diffSections({ text: text.split('diff --git a/old.txt')[0] ?? '', files, truncated: true });
    expect(s.find((x) => x.path === 'old.txt')?.cut).toBe(true);
    expect(s.find((x) => x.path === 'agent.nix')?.cut).toBe(false);
  });
  it('still shows a chunk the stats did not list, counting its lines', () => {
    const s = diffSections({ text, files: [], truncated: false });
    expect(s.map((x) => [x.path, x.added, x.removed])).toEqual([
      ['agent.nix', 1, 1],
      ['notes/new.md', 1, 0],
      ['old.txt', 0, 1],
      ['logo.png', 0, 0],
    ]);
  });
});
