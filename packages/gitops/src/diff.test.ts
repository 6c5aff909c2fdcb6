import { commitFiles, git as tgit, initRepo as initTestRepo } from '@hive/testkit';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diff, EMPTY_TREE, parseNumstat } from './diff.js';
import { InvalidRefError, RefNotFoundError } from './errors.js';

async function base(files: Record<string, string> = { 'agent.nix': 'line1\nline2\n', 'gone.nix': 'bye\n' }) {
  const repo = await initTestRepo();
  const from = await commitFiles(repo, files, 'base');
  return { repo, from };
}

describe('diff', () => {
  it('shows every file of a multi-file change with per-file stats', async () => {
    const { repo, from } = await base();
    await tgit(repo, ['rm', '-q', 'gone.nix']);
    const to = await commitFiles(repo, { 'agent.nix': 'line1\nline2 changed\nline3\n', 'dir/new file.nix': '{ }\n' });
    const d = await diff(repo, from, to);
    expect(d.truncated).toBe(false);
    expect(d.files).toEqual([
      { path: 'agent.nix', added: 2, removed: 1, binary: false },
      { path: 'dir/new file.nix', added: 1, removed: 0, binary: false },
      { path: 'gone.nix', added: 0, removed: 1, binary: false },
    ]);
    expect(d.text).toContain('diff --git a/agent.nix b/agent.nix');
    expect(d.text).toContain('+line2 changed');
    expect(d.text).toContain('deleted file mode');
    expect(d.text).toContain('+{ }');
    expect(d.text.endsWith('\n')).toBe(true);
  });

  it('accepts refs such as refs/heads/main..refs/tags/proposal/<id>', async () => {
    const { repo } = await base();
    await tgit(repo, ['checkout', '-q', '-b', 'p']);
    const to = await commitFiles(repo, { 'agent.nix': 'other\n' });
    await tgit(repo, ['tag', 'proposal/1', to]);
    const d = await diff(repo, 'refs/heads/main', 'refs/tags/proposal/1');
    expect(d.files.map((f) => f.path)).toEqual(['agent.nix']);
  });

  it('shows binary files as "Binary files … differ", never raw bytes', async () => {
    const { repo, from } = await base();
    const bytes = Buffer.from([0, 1, 2, 255, 0, 0x89, 0x50, 0x4e, 0x47, 0, 10, 0]);
    writeFileSync(path.join(repo, 'logo.png'), bytes);
    const to = await commitFiles(repo, { 'agent.nix': 'line1\n' });
    const d = await diff(repo, from, to);
    expect(d.files).toContainEqual({ path: 'logo.png', added: 0, removed: 0, binary: true });
    expect(d.text).toContain('Binary files /dev/null and b/logo.png differ');
    expect(d.text).not.toContain('\0');
    expect(d.text).not.toContain('GIT binary patch');
  });

  it('is empty for a no-op change', async () => {
    const { repo, from } = await base();
    const to = await commitFiles(repo, {}, 'empty commit');
    expect(await diff(repo, from, to)).toEqual({ text: '', files: [], truncated: false });
    expect(await diff(repo, from, from)).toEqual({ text: '', files: [], truncated: false });
  });

  it('caps the text at maxBytes with a trailing marker line, keeping every file in the stats', async () => {
    const { repo, from } = await base();
    const big: Record<string, string> = {};
    for (let i = 0; i < 20; i++) big[`f${String(i).padStart(2, '0')}.nix`] = Array.from({ length: 200 }, (_, j) => `line ${j} ✓\n`).join('');
    const to = await commitFiles(repo, big);
    const full = await diff(repo, from, to);
    expect(full.truncated).toBe(false);
    const d = await diff(repo, from, to, { maxBytes: 4096 });
    expect(d.truncated).toBe(true);
    expect(d.files).toEqual(full.files);
    expect(d.files).toHaveLength(20);
    const lines = d.text.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.at(-2)).toBe(
      `[diff truncated: showing ${Buffer.byteLength(d.text) - Buffer.byteLength(lines.at(-2)! + '\n')} of ${Buffer.byteLength(full.text)} bytes; all 20 changed files are listed in the file stats]`,
    );
    const body = d.text.slice(0, d.text.lastIndexOf('[diff truncated'));
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(4096);
    expect(full.text.startsWith(body)).toBe(true);
  });

  it('throws RefNotFoundError for an absent side and InvalidRefError for an option-like one', async () => {
    const { repo, from } = await base();
    await expect(diff(repo, from, 'refs/tags/proposal/404')).rejects.toBeInstanceOf(RefNotFoundError);
    await expect(diff(repo, '--output=/tmp/x', from)).rejects.toBeInstanceOf(InvalidRefError);
  });
});

describe('parseNumstat', () => {
  it('keeps paths with tabs and newlines intact', () => {
    expect(parseNumstat('1\t2\ta\tb\n.nix\0-\t-\tbin\0')).toEqual([
      { path: 'a\tb\n.nix', added: 1, removed: 2, binary: false },
      { path: 'bin', added: 0, removed: 0, binary: true },
    ]);
  });
});

describe('diff from the empty tree', () => {
  it('shows every file of a first commit', async () => {
    const repo = await initTestRepo();
    const sha = await commitFiles(repo, { 'a.nix': '{ }\n', 'b/c.txt': 'x\ny\n' });
    const out = await diff(repo, EMPTY_TREE, sha);
    expect(out.files.map((f) => [f.path, f.added])).toEqual([['a.nix', 1], ['b/c.txt', 2]]);
  });
});
