import { commitFiles, git as tgit, initRepo as initTestRepo, tempDir } from '@hive/testkit';
import { chmodSync, existsSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
    const file = { binary: false, kind: 'file', truncated: false };
    expect(d.files).toEqual([
      { ...file, path: 'agent.nix', added: 2, removed: 1, status: 'modified', old_mode: '100644', new_mode: '100644' },
      { ...file, path: 'dir/new file.nix', added: 1, removed: 0, status: 'added', old_mode: null, new_mode: '100644' },
      { ...file, path: 'gone.nix', added: 0, removed: 1, status: 'deleted', old_mode: '100644', new_mode: null },
    ]);
    expect(d.text).toContain('diff --git a/agent.nix b/agent.nix\n# modified file\n');
    expect(d.text).toContain('# added file, mode 100644\n');
    expect(d.text).toContain('# deleted file, was mode 100644\n');
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
    expect(d.files).toContainEqual(expect.objectContaining({ path: 'logo.png', added: 0, removed: 0, binary: true, status: 'added' }));
    expect(d.text).toContain('# added file, mode 100644, binary, not shown\n');
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

  it('caps the whole text at maxBytes: later files keep their headers and are named as cut', async () => {
    const { repo, from } = await base();
    const big: Record<string, string> = {};
    for (let i = 0; i < 20; i++) big[`f${String(i).padStart(2, '0')}.nix`] = Array.from({ length: 200 }, (_, j) => `line ${j} ✓\n`).join('');
    const to = await commitFiles(repo, big);
    const full = await diff(repo, from, to);
    expect(full.truncated).toBe(false);
    const d = await diff(repo, from, to, { maxBytes: 4096 });
    expect(d.truncated).toBe(true);
    expect(d.files.map((f) => [f.path, f.added])).toEqual(full.files.map((f) => [f.path, f.added]));
    expect(d.files).toHaveLength(20);
    for (const f of d.files) expect(d.text, f.path).toContain(`diff --git a/${f.path} b/${f.path}\n# added file, mode 100644\n`);
    const cut = d.files.filter((f) => f.truncated).map((f) => f.path);
    // Each file's part is ~3 KB: the first fits in the 4 KiB total, every later one is cut.
    expect(cut).toEqual(d.files.slice(1).map((f) => f.path));
    expect(d.text).toContain('+line 199 ✓\ndiff --git a/f01.nix');
    expect(d.text).toContain('[diff of f01.nix cut: showing ');
    expect(d.text).toContain('the whole diff reached its cap]');
    expect(d.text.trimEnd().split('\n').at(-1)).toBe(`[diff truncated: 19 of 20 files cut: ${cut.join(', ')}; every file is listed with its counts]`);
    expect(Buffer.byteLength(d.text)).toBeLessThan(4096 + 20 * 200 + 400);
  });

  it('cuts per file: a 1.1 MB padding file cannot push the real change out of view', async () => {
    const { repo, from } = await base();
    const to = await commitFiles(repo, {
      'aaa-padding.txt': 'pad pad pad pad pad pad pad pad\n'.repeat(35_000),
      'agent.nix': 'line1\nline2\nEVIL = true;\n',
    });
    const d = await diff(repo, from, to);
    expect(Buffer.byteLength('pad pad pad pad pad pad pad pad\n'.repeat(35_000))).toBeGreaterThan(1_100_000);
    expect(d.files.map((f) => [f.path, f.added, f.truncated])).toEqual([
      ['aaa-padding.txt', 35_000, true],
      ['agent.nix', 1, false],
    ]);
    expect(d.text).toContain('+EVIL = true;');
    expect(d.text).toContain('[diff of aaa-padding.txt cut: showing ');
    expect(d.text).toContain('over the 65536-byte cap per file]');
    expect(d.text).toContain('[diff truncated: 1 of 2 files cut: aaa-padding.txt; every file is listed with its counts]');
    expect(Buffer.byteLength(d.text)).toBeLessThan(70_000);
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

describe('diff that cannot lie', () => {
  it('ignores a deployed .gitattributes with `* -diff` (in the tree, the index and the work tree)', async () => {
    const repo = await initTestRepo();
    const from = await commitFiles(repo, { '.gitattributes': '* -diff\n', 'agent.nix': 'model = "haiku";\n' });
    const to = await commitFiles(repo, { 'agent.nix': 'model = "opus"; steal = true;\n' });
    // Positive control: git's own diff in that repo hides the change.
    expect(await tgit(repo, ['diff', from, to])).toContain('Binary files a/agent.nix and b/agent.nix differ');
    const d = await diff(repo, from, to);
    expect(d.text).toContain('+model = "opus"; steal = true;');
    expect(d.files).toEqual([expect.objectContaining({ path: 'agent.nix', added: 1, removed: 1, binary: false })]);
  });

  it('never runs a textconv or external diff driver from the repo config (marker stays absent)', async () => {
    const repo = await initTestRepo();
    const marker = path.join(tempDir(), 'driver-ran');
    const driver = path.join(tempDir(), 'driver.sh');
    writeFileSync(driver, `#!/bin/sh\ntouch '${marker}'\necho fake\n`);
    chmodSync(driver, 0o755);
    await tgit(repo, ['config', 'diff.x.textconv', driver]);
    await tgit(repo, ['config', 'diff.x.command', driver]);
    await tgit(repo, ['config', 'diff.external', driver]);
    const from = await commitFiles(repo, { '.gitattributes': '* diff=x\n', 'a.nix': 'old\n' });
    const to = await commitFiles(repo, { 'a.nix': 'new\n' });
    await tgit(repo, ['diff', '--textconv', from, to]); // positive control: git would run it
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);
    const d = await diff(repo, from, to);
    expect(existsSync(marker)).toBe(false);
    expect(d.text).toContain('+new');
    expect(d.text).not.toContain('fake');
  });

  it('is not changed by a replace ref, which fools git show in the same repo', async () => {
    const repo = await initTestRepo();
    const from = await commitFiles(repo, { 'agent.nix': 'a\n' });
    const to = await commitFiles(repo, { 'agent.nix': 'EVIL\n' });
    await tgit(repo, ['checkout', '-q', '-b', 'decoy', from]);
    const decoy = await commitFiles(repo, { 'agent.nix': 'harmless\n' });
    await tgit(repo, ['replace', to, decoy]);
    expect(await tgit(repo, ['diff', from, to])).toContain('+harmless'); // positive control
    const d = await diff(repo, from, to);
    expect(d.text).toContain('+EVIL');
    expect(d.text).not.toContain('harmless');
  });

  it('shows a mode change, a symlink with its target, a type change and a submodule in each header', async () => {
    const repo = await initTestRepo();
    writeFileSync(path.join(repo, 'run.sh'), '#!/bin/sh\n');
    const from = await commitFiles(repo, { 'was-file': 'x\n' });
    chmodSync(path.join(repo, 'run.sh'), 0o755);
    symlinkSync('../../state/other/token', path.join(repo, 'notes.nix'));
    rmSync(path.join(repo, 'was-file'));
    symlinkSync('run.sh', path.join(repo, 'was-file'));
    await tgit(repo, ['add', '-A']);
    await tgit(repo, ['update-index', '--add', '--cacheinfo', `160000,${'b'.repeat(40)},vendor/lib`]);
    await tgit(repo, ['commit', '-q', '-m', 'sneaky']);
    const d = await diff(repo, from, 'HEAD');
    const by = Object.fromEntries(d.files.map((f) => [f.path, f]));
    expect(by['run.sh']).toMatchObject({ status: 'modified', kind: 'file', old_mode: '100644', new_mode: '100755' });
    expect(by['notes.nix']).toMatchObject({ status: 'added', kind: 'symlink', new_mode: '120000' });
    expect(by['was-file']).toMatchObject({ status: 'type-changed', kind: 'symlink', old_mode: '100644', new_mode: '120000' });
    expect(by['vendor/lib']).toMatchObject({ status: 'added', kind: 'submodule', new_mode: '160000' });
    expect(d.text).toContain('diff --git a/run.sh b/run.sh\n# modified file, mode 100644 -> 100755 (now executable)\n');
    expect(d.text).toContain('diff --git a/notes.nix b/notes.nix\n# added symlink, mode 120000, symlink -> ../../state/other/token\n');
    expect(d.text).toContain('# type-changed symlink, mode 100644 -> 120000, symlink -> run.sh\n');
    expect(d.text).toContain('diff --git a/vendor/lib b/vendor/lib\n# added submodule, mode 160000\n');
    expect(d.text).toContain(`+Subproject commit ${'b'.repeat(40)}`);
  });

  it('keeps control characters in the text as they are (the CLI and dashboard make them visible)', async () => {
    const repo = await initTestRepo();
    const from = await commitFiles(repo, { 'a.nix': 'x\n' });
    const to = await commitFiles(repo, { 'a.nix': 'ok\x1b[2K\rhidden\u202Eevil\n' });
    const d = await diff(repo, from, to);
    expect(d.text).toContain('+ok\x1b[2K\rhidden\u202Eevil');
    expect(d.files[0]).toMatchObject({ binary: false, added: 1 });
  });
});
