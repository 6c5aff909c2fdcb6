import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commitFiles, git as tgit, initRepo as initTestRepo, snapshotTree, tempDir } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import { InvalidRefError, RefMovedError, RefNotFoundError } from './errors.js';
import { git } from './git.js';
import { commitAll, initRepo, readTreeReset, resetWorkingTreeToMain, revParse, updateRef } from './repo.js';

describe('initRepo', () => {
  it('creates a repo on main with a local identity, signing and gc off', async () => {
    const dir = path.join(tempDir(), 'nested', 'repo');
    await initRepo(dir);
    expect(await git(dir, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/main');
    expect(await git(dir, ['config', '--local', 'user.email'])).toBe('hive@hyperhive.invalid');
    expect(await git(dir, ['config', '--local', 'commit.gpgSign'])).toBe('false');
    expect(await git(dir, ['config', '--local', 'gc.auto'])).toBe('0');
  });

  it('is idempotent and keeps existing history', async () => {
    const dir = tempDir();
    await initRepo(dir);
    writeFileSync(path.join(dir, 'a'), '1');
    const sha = await commitAll(dir, 'one');
    await initRepo(dir);
    expect(await revParse(dir, 'HEAD')).toBe(sha);
  });
});

describe('commitAll', () => {
  it('commits every change (added, modified, deleted) and returns the sha', async () => {
    const repo = await initTestRepo();
    await commitFiles(repo, { 'keep.txt': '1', 'gone.txt': '2' });
    writeFileSync(path.join(repo, 'keep.txt'), 'changed');
    writeFileSync(path.join(repo, 'new.txt'), 'new');
    await tgit(repo, ['rm', '-q', 'gone.txt']);
    const sha = await commitAll(repo, '-n looks like an option\n\nbody with "quotes" and $(echo no)');
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await git(repo, ['ls-tree', '--name-only', 'HEAD'])).toBe('keep.txt\nnew.txt');
    expect(await git(repo, ['log', '-1', '--format=%B'])).toBe('-n looks like an option\n\nbody with "quotes" and $(echo no)');
  });

  it('returns null and makes no commit when nothing changed', async () => {
    const repo = await initTestRepo();
    const before = await commitFiles(repo, { 'a.txt': 'a' });
    expect(await commitAll(repo, 'nothing')).toBeNull();
    expect(await revParse(repo, 'HEAD')).toBe(before);
  });

  it('returns null in an empty fresh repo', async () => {
    const repo = await initTestRepo();
    expect(await commitAll(repo, 'nothing')).toBeNull();
  });
});

describe('revParse', () => {
  it('resolves branches, tags and abbreviated shas to the full commit sha', async () => {
    const repo = await initTestRepo();
    const sha = await commitFiles(repo, { 'a.txt': 'a' });
    await tgit(repo, ['tag', '-a', '-m', 'annotated', 'v1']);
    expect(await revParse(repo, 'refs/heads/main')).toBe(sha);
    expect(await revParse(repo, 'v1')).toBe(sha); // peeled through the tag object
    expect(await revParse(repo, sha.slice(0, 7))).toBe(sha);
  });

  it('throws RefNotFoundError (REF_NOT_FOUND, 404) for an absent ref', async () => {
    const repo = await initTestRepo();
    await commitFiles(repo, { 'a.txt': 'a' });
    const err = await revParse(repo, 'refs/tags/nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefNotFoundError);
    expect(err).toMatchObject({ code: 'REF_NOT_FOUND' });
    expect((err as Error).message).toContain('refs/tags/nope');
  });

  it('refuses option-like refs before running git', async () => {
    const repo = await initTestRepo();
    await expect(revParse(repo, '--all')).rejects.toBeInstanceOf(InvalidRefError);
    await expect(revParse(repo, '')).rejects.toMatchObject({ code: 'INVALID_REF' });
  });
});

describe('readTreeReset', () => {
  it('makes working tree and index match the ref while HEAD stays put', async () => {
    const repo = await initTestRepo();
    const first = await commitFiles(repo, { 'a.txt': 'one', 'old.txt': 'old' });
    await tgit(repo, ['checkout', '-q', '-b', 'side']);
    await tgit(repo, ['rm', '-q', 'old.txt']);
    const second = await commitFiles(repo, { 'a.txt': 'two', 'b.txt': 'new' });
    await tgit(repo, ['checkout', '-q', 'main']);
    await readTreeReset(repo, second);
    expect(await revParse(repo, 'HEAD')).toBe(first);
    expect(await git(repo, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/main');
    expect(readFileSync(path.join(repo, 'a.txt'), 'utf8')).toBe('two');
    expect(readFileSync(path.join(repo, 'b.txt'), 'utf8')).toBe('new');
    expect(existsSync(path.join(repo, 'old.txt'))).toBe(false);
    expect(await git(repo, ['write-tree'])).toBe(await git(repo, ['rev-parse', `${second}^{tree}`]));
  });

  it('throws RefNotFoundError and leaves the tree alone for an absent ref', async () => {
    const repo = await initTestRepo();
    await commitFiles(repo, { 'a.txt': 'a' });
    const before = await snapshotTree(repo);
    await expect(readTreeReset(repo, 'refs/tags/proposal/9')).rejects.toBeInstanceOf(RefNotFoundError);
    expect(await snapshotTree(repo)).toEqual(before);
  });
});

describe('resetWorkingTreeToMain', () => {
  it('restores main and removes untracked files, HEAD unmoved', async () => {
    const repo = await initTestRepo();
    const main = await commitFiles(repo, { 'a.txt': 'main' });
    await tgit(repo, ['checkout', '-q', '-b', 'p']);
    const prop = await commitFiles(repo, { 'a.txt': 'proposal', 'extra.nix': '{}' });
    await tgit(repo, ['checkout', '-q', 'main']);
    await readTreeReset(repo, prop);
    writeFileSync(path.join(repo, 'result'), 'build junk');
    await resetWorkingTreeToMain(repo);
    expect(readFileSync(path.join(repo, 'a.txt'), 'utf8')).toBe('main');
    expect(existsSync(path.join(repo, 'extra.nix'))).toBe(false);
    expect(existsSync(path.join(repo, 'result'))).toBe(false);
    expect(await revParse(repo, 'HEAD')).toBe(main);
    expect(await git(repo, ['status', '--porcelain'])).toBe('');
  });
});

describe('updateRef', () => {
  async function twoCommits() {
    const repo = await initTestRepo();
    const a = await commitFiles(repo, { 'f.txt': 'a' });
    const b = await commitFiles(repo, { 'f.txt': 'b' });
    await tgit(repo, ['branch', '-f', 'other', a]);
    return { repo, a, b };
  }

  it('moves a ref without a compare', async () => {
    const { repo, a } = await twoCommits();
    await updateRef(repo, 'refs/heads/main', a);
    expect(await revParse(repo, 'refs/heads/main')).toBe(a);
  });

  it('moves a ref when the old value matches', async () => {
    const { repo, a, b } = await twoCommits();
    await updateRef(repo, 'refs/heads/other', b, a);
    expect(await revParse(repo, 'refs/heads/other')).toBe(b);
  });

  it('creates a ref when the old value is all zeros and it does not exist yet', async () => {
    const { repo, a } = await twoCommits();
    await updateRef(repo, 'refs/heads/fresh', a, '0'.repeat(40));
    expect(await revParse(repo, 'refs/heads/fresh')).toBe(a);
  });

  it('throws RefMovedError and leaves the ref when the old value differs', async () => {
    const { repo, a, b } = await twoCommits();
    const err = await updateRef(repo, 'refs/heads/other', b, b).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefMovedError);
    expect(err).toMatchObject({ code: 'REF_MOVED', expected: b, actual: a });
    expect(await revParse(repo, 'refs/heads/other')).toBe(a);
  });

  it('throws RefMovedError when the ref was expected but is absent', async () => {
    const { repo, a, b } = await twoCommits();
    await expect(updateRef(repo, 'refs/heads/missing', b, a)).rejects.toMatchObject({ code: 'REF_MOVED', actual: null });
    await expect(revParse(repo, 'refs/heads/missing')).rejects.toBeInstanceOf(RefNotFoundError);
  });

  it('refuses bare names and option-like values, changing nothing', async () => {
    const { repo, a } = await twoCommits();
    const before = await snapshotTree(repo);
    await expect(updateRef(repo, 'main', a)).rejects.toBeInstanceOf(InvalidRefError);
    await expect(updateRef(repo, '--stdin', a)).rejects.toBeInstanceOf(InvalidRefError);
    await expect(updateRef(repo, 'refs/heads/x', '-d')).rejects.toBeInstanceOf(InvalidRefError);
    await expect(updateRef(repo, 'refs/heads/x', a, '--no-deref')).rejects.toBeInstanceOf(InvalidRefError);
    await expect(updateRef(repo, 'refs/heads/a..b', a)).rejects.toBeInstanceOf(InvalidRefError);
    expect(await snapshotTree(repo)).toEqual(before);
  });
});
