import { describe, expect, it } from 'vitest';
import { formatDiff, formatFileList } from './diff-print.js';

const files = [
  { path: 'agent.nix', added: 1, removed: 1, binary: false, status: 'modified', kind: 'file', old_mode: '100644', new_mode: '100644', truncated: false },
  { path: 'aaa-padding.txt', added: 35000, removed: 0, binary: false, status: 'added', kind: 'file', old_mode: null, new_mode: '100644', truncated: true },
  { path: 'notes.nix', added: 1, removed: 0, binary: false, status: 'added', kind: 'symlink', old_mode: null, new_mode: '120000', truncated: false },
  { path: 'run.sh', added: 0, removed: 0, binary: false, status: 'modified', kind: 'file', old_mode: '100644', new_mode: '100755', truncated: false },
  { path: 'x\u202Egnp.nix', added: 0, removed: 0, binary: true, status: 'added', kind: 'file', old_mode: null, new_mode: '100644', truncated: false },
];

describe('hive diff output', () => {
  it('lists every file with its counts, kind, mode change and cut flag before the text', () => {
    expect(formatFileList({ text: '', files }).split('\n')).toEqual([
      '5 files changed (+35002 −1), 1 cut at the size cap',
      '  M agent.nix         +1 −1',
      '  A aaa-padding.txt   +35000 −0  [cut]',
      '  A notes.nix         +1 −0  symlink',
      '  M run.sh            +0 −0  mode 100644 -> 100755',
      '  A x<U+202E>gnp.nix  binary',
      '',
    ]);
  });

  it('escapes ESC, CR and bidi characters in the text unless raw is asked for', () => {
    const text = 'diff --git a/agent.nix b/agent.nix\n+model = "opus";\x1b[2K\r+model = "haiku"; \u2066x\n';
    const out = formatDiff({ text, files: files.slice(0, 1) });
    expect(out).toContain('+model = "opus";\\x1b[2K\\r+model = "haiku"; <U+2066>x\n');
    expect(out).not.toMatch(/[\x1b\r\u2066]/);
    expect(out.indexOf('1 file changed')).toBe(0);
    expect(formatDiff({ text, files: files.slice(0, 1) }, { raw: true })).toContain(text);
  });

  it('prints the daemon\'s note as is when nothing changed', () => {
    expect(formatDiff({ text: '(proposal matches currently-deployed tree)', files: [] })).toBe('(proposal matches currently-deployed tree)\n');
  });
});
