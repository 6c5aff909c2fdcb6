import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commitFiles, git as tgit, initRepo as initTestRepo, snapshotTree, tempDir } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import { NotARepositoryError, UnsafeRepoError } from './errors.js';
import { fetchToTag } from './fetch-to-tag.js';
import { git } from './git.js';
import { disposeSnapshot, snapshotObjects } from './object-snapshot.js';
import { assertPlainRepo } from './repo-guard.js';

/** A proposed repo the manager controls, and a host repo holding a commit it must never reach. */
async function setup() {
  const root = tempDir();
  const proposed = path.join(root, 'agents', 'coder', 'config');
  mkdirSync(proposed, { recursive: true });
  await initTestRepo(proposed);
  const own = await commitFiles(proposed, { 'agent.nix': '{ }\n' });
  const host = await initTestRepo();
  const secret = await commitFiles(host, { 'token': 'SECRET-TOKEN-123\n' }, 'host secret');
  const applied = await initTestRepo();
  return { root, proposed, own, host, secret, applied };
}

describe('assertPlainRepo', () => {
  it('accepts a plain repo (positive control)', async () => {
    const { proposed } = await setup();
    expect(() => assertPlainRepo(proposed)).not.toThrow();
  });

  it('refuses objects/info/alternates with a one-line error naming the file', async () => {
    const { proposed, host } = await setup();
    writeFileSync(path.join(proposed, '.git/objects/info/alternates'), path.join(host, '.git/objects') + '\n');
    expect(() => assertPlainRepo(proposed)).toThrow(UnsafeRepoError);
    expect(() => assertPlainRepo(proposed)).toThrow(/\.git\/objects\/info\/alternates exists \(a proposed repo may not borrow objects from other repos\): remove it$/);
  });

  it('refuses http-alternates, commondir, a gitfile, a symlinked repo, .git, objects and config', async () => {
    const cases: Array<[string, (p: string, host: string) => void, RegExp]> = [
      ['http-alternates', (p) => writeFileSync(path.join(p, '.git/objects/info/http-alternates'), 'http://x\n'), /http-alternates exists/],
      ['commondir', (p, h) => writeFileSync(path.join(p, '.git/commondir'), path.join(h, '.git')), /commondir exists/],
      ['gitfile', (p, h) => { rmSync(path.join(p, '.git'), { recursive: true }); writeFileSync(path.join(p, '.git'), `gitdir: ${h}/.git\n`); }, /\.git is a file/],
      ['symlinked .git', (p, h) => { rmSync(path.join(p, '.git'), { recursive: true }); symlinkSync(path.join(h, '.git'), path.join(p, '.git')); }, /\.git is a symlink/],
      ['symlinked objects', (p, h) => { rmSync(path.join(p, '.git/objects'), { recursive: true }); symlinkSync(path.join(h, '.git/objects'), path.join(p, '.git/objects')); }, /objects is a symlink/],
      ['symlinked config', (p, h) => { rmSync(path.join(p, '.git/config')); symlinkSync(path.join(h, '.git/config'), path.join(p, '.git/config')); }, /config is not a regular file/],
    ];
    for (const [what, plant, message] of cases) {
      const { proposed, host } = await setup();
      plant(proposed, host);
      expect(() => assertPlainRepo(proposed), what).toThrow(message);
    }
    const { proposed, host } = await setup();
    const link = path.join(path.dirname(proposed), 'linked');
    symlinkSync(host, link);
    expect(() => assertPlainRepo(link)).toThrow(/it is a symlink/);
  });

  it('throws NotARepositoryError for a dir without .git', () => {
    expect(() => assertPlainRepo(tempDir())).toThrow(NotARepositoryError);
  });
});

describe('fetchToTag from a manager-writable repo', () => {
  it('refuses alternates, so a host commit never lands in applied; the repo\'s own commit still does', async () => {
    const { proposed, host, secret, own, applied } = await setup();
    // Positive control: git itself would serve the host commit through the alternates file.
    writeFileSync(path.join(proposed, '.git/objects/info/alternates'), path.join(host, '.git/objects') + '\n');
    expect(await tgit(proposed, ['cat-file', '-t', secret])).toBe('commit');
    const before = await snapshotTree(applied);
    const err = await fetchToTag({ repo: applied, from: proposed, sha: secret, tag: 'proposal/1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeRepoError);
    expect(err).toMatchObject({ code: 'UNSAFE_REPO' });
    // The message names the repo as the manager sees it, not the state root's host path.
    expect((err as Error).message).not.toContain(path.dirname(proposed));
    expect(await snapshotTree(applied)).toEqual(before);
    rmSync(path.join(proposed, '.git/objects/info/alternates'));
    expect(await fetchToTag({ repo: applied, from: proposed, sha: own, tag: 'proposal/2' })).toBe(own);
  });

  it('copies only the repo\'s own objects: a symlinked pack or loose object from another repo is ignored', async () => {
    const { proposed, host, secret, applied } = await setup();
    await tgit(host, ['repack', '-a', '-d', '-q']);
    const packDir = path.join(host, '.git/objects/pack');
    const { readdirSync } = await import('node:fs');
    mkdirSync(path.join(proposed, '.git/objects/pack'), { recursive: true });
    for (const f of readdirSync(packDir)) symlinkSync(path.join(packDir, f), path.join(proposed, '.git/objects/pack', f));
    // Positive control: plain git in the proposed repo now sees the host commit through the symlinks.
    expect(await tgit(proposed, ['cat-file', '-t', secret])).toBe('commit');
    await expect(fetchToTag({ repo: applied, from: proposed, sha: secret, tag: 'proposal/1' })).rejects.toMatchObject({ code: 'SHA_NOT_FOUND' });
    expect(existsSync(path.join(applied, '.git/refs/tags/proposal/1'))).toBe(false);
    await expect(git(applied, ['cat-file', '-t', secret])).rejects.toThrow();
  });

  it('never lets a replace ref in the source change what is fetched', async () => {
    const { proposed, own, applied } = await setup();
    const fake = await commitFiles(proposed, { 'agent.nix': '{ harmless = true; }\n' }, 'decoy');
    await tgit(proposed, ['replace', own, fake]);
    expect(await tgit(proposed, ['show', `${own}:agent.nix`])).toContain('harmless'); // git itself is fooled
    await fetchToTag({ repo: applied, from: proposed, sha: own, tag: 'proposal/1' });
    expect(await git(applied, ['show', 'refs/tags/proposal/1:agent.nix'])).toBe('{ }');
  });
});

describe('snapshotObjects', () => {
  it('holds the repo\'s commits and nothing of its config or alternates', async () => {
    const { proposed, own } = await setup();
    const snap = await snapshotObjects(proposed);
    try {
      expect(await git(snap, ['cat-file', '-t', own])).toBe('commit');
      expect(existsSync(path.join(snap, 'objects/info/alternates'))).toBe(false);
      expect(await git(snap, ['config', '--get', 'user.name']).catch(() => null)).toBeNull();
    } finally {
      disposeSnapshot(snap);
    }
    expect(existsSync(snap)).toBe(false);
  });
});
