import { describe, expect, it } from 'vitest';
import { diffSections, markInvisible, splitChunks } from './diff-split.js';

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

describe('diffSections headers', () => {
  // As the daemon writes it now: hive's `# …` line after each `diff --git`, a type change in two parts.
  const hive = [
    'diff --git a/run.sh b/run.sh',
    '# modified file, mode 100644 -> 100755 (now executable)',
    'old mode 100644',
    'new mode 100755',
    'diff --git a/notes.nix b/notes.nix',
    '# added symlink, mode 120000, symlink -> ../../state/other/token',
    'new file mode 120000',
    'index 0000000..1111111',
    '--- /dev/null',
    '+++ b/notes.nix',
    '@@ -0,0 +1 @@',
    '+../../state/other/token',
    '\\ No newline at end of file',
    'diff --git a/was b/was',
    '# type-changed symlink, mode 100644 -> 120000, symlink -> run.sh',
    'deleted file mode 100644',
    '--- a/was',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    '-x',
    'diff --git a/was b/was',
    'new file mode 120000',
    '--- /dev/null',
    '+++ b/was',
    '@@ -0,0 +1 @@',
    '+run.sh',
    'diff --git a/vendor b/vendor',
    '# added submodule, mode 160000',
    'new file mode 160000',
    '--- /dev/null',
    '+++ b/vendor',
    '@@ -0,0 +1 @@',
    '+Subproject commit cccccccccccccccccccccccccccccccccccccccc',
    'diff --git a/pad.txt b/pad.txt',
    '# added file, mode 100644',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/pad.txt',
    '@@ -0,0 +1,9999 @@',
    '+pad',
    '[diff of pad.txt cut: showing 100 of 99999 bytes, over the 65536-byte cap per file]',
    '[diff truncated: 1 of 5 files cut: pad.txt; every file is listed with its counts]',
    '',
  ].join('\n');

  it('shows mode changes, symlinks with their target, type changes and submodules from the text alone', () => {
    const legacy = ['run.sh', 'notes.nix', 'was', 'vendor', 'pad.txt'].map((path) => ({ path, added: 1, removed: 0, binary: false }));
    const s = diffSections({ text: hive, files: legacy, truncated: true });
    expect(s.map((x) => [x.path, x.kind, x.header])).toEqual([
      ['run.sh', 'file', 'modified file, mode 100644 -> 100755 (now executable)'],
      ['notes.nix', 'symlink', 'added symlink, mode 120000, symlink -> ../../state/other/token'],
      ['was', 'symlink', 'type-changed symlink, mode 100644 -> 120000, symlink -> run.sh'],
      ['vendor', 'submodule', 'added submodule, mode 160000'],
      ['pad.txt', 'file', 'added file, mode 100644'],
    ]);
    expect(s[2]?.lines).toEqual(['@@ -1 +0,0 @@', '-x', '@@ -0,0 +1 @@', '+run.sh']);
    expect(s[3]?.lines).toContain('+Subproject commit cccccccccccccccccccccccccccccccccccccccc');
  });

  it('marks exactly the files the daemon cut, and keeps its marker lines out of the hunks', () => {
    const files = ['run.sh', 'notes.nix', 'was', 'vendor', 'pad.txt'].map((path) => ({ path, added: 1, removed: 0, binary: false }));
    const s = diffSections({ text: hive, files, truncated: true });
    expect(s.filter((x) => x.cut).map((x) => x.path)).toEqual(['pad.txt']);
    expect(s.at(-1)?.lines).toEqual(['@@ -0,0 +1,9999 @@', '+pad']);
  });

  it('prefers the daemon\'s per-file fields when they come through', () => {
    const files = [{ path: 'run.sh', added: 0, removed: 0, binary: false, status: 'modified', kind: 'file', old_mode: '100644', new_mode: '100755', truncated: false }];
    const s = diffSections({ text: hive, files, truncated: false } as never);
    expect(s[0]).toMatchObject({ path: 'run.sh', status: 'modified', old_mode: '100644', new_mode: '100755', cut: false });
  });
});

describe('markInvisible', () => {
  it('turns ESC, CR, bidi and zero-width characters into marks and keeps the rest as text', () => {
    expect(markInvisible('+ok\x1b[2K\rx\u202Eevil\u200B')).toEqual([
      { text: '+ok' },
      { mark: 'ESC', code: 0x1b },
      { text: '[2K' },
      { mark: 'CR', code: 0x0d },
      { text: 'x' },
      { mark: 'U+202E', code: 0x202e },
      { text: 'evil' },
      { mark: 'U+200B', code: 0x200b },
    ]);
    expect(markInvisible('plain ✓ 日本')).toEqual([{ text: 'plain ✓ 日本' }]);
  });

  it('keeps the raw characters in the section lines (the component marks them when rendering)', () => {
    const text = ['diff --git a/a.nix b/a.nix', '--- a/a.nix', '+++ b/a.nix', '@@ -1 +1 @@', '-x', '+ok\x1b[2K\u2066y', ''].join('\n');
    const s = diffSections({ text, files: [{ path: 'a.nix', added: 1, removed: 1, binary: false }], truncated: false });
    expect(s[0]?.lines.at(-1)).toBe('+ok\x1b[2K\u2066y');
    expect(markInvisible(s[0]!.lines.at(-1)!).filter((p) => 'mark' in p)).toEqual([{ mark: 'ESC', code: 0x1b }, { mark: 'U+2066', code: 0x2066 }]);
  });
});
