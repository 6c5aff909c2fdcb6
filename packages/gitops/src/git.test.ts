import { mkdirSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { commitFiles, initRepo as initTestRepo, tempDir } from '@hive/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { GitError, GitNotFoundError, NotARepositoryError } from './errors.js';
import { git, hiveGitIdentity } from './git.js';
import { commitAll } from './repo.js';

describe('git', () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it('returns trimmed stdout', async () => {
    const repo = await initTestRepo();
    expect(await git(repo, ['symbolic-ref', '--short', 'HEAD'])).toBe('main');
  });

  it('throws GitError with code GIT_FAILED and keeps the stderr', async () => {
    const repo = await initTestRepo();
    const err = await git(repo, ['cat-file', '-p', 'nope']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err).toMatchObject({ code: 'GIT_FAILED' });
    expect((err as GitError).stderr).toMatch(/nope/);
    expect((err as GitError).message).toMatch(/^git cat-file -p failed: fatal:/);
  });

  it('passes input on stdin', async () => {
    const repo = await initTestRepo();
    const sha = await git(repo, ['hash-object', '--stdin'], { input: 'hello\n' });
    expect(sha).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });

  it('throws GitNotFoundError when git is not on PATH', async () => {
    const repo = tempDir();
    process.env.PATH = path.join(repo, 'no-bin');
    await expect(git(repo, ['--version'])).rejects.toMatchObject({ code: 'GIT_NOT_FOUND' });
    await expect(git(repo, ['--version'])).rejects.toBeInstanceOf(GitNotFoundError);
  });

  it('refuses a plain dir inside another checkout instead of acting on that checkout', async () => {
    const outer = await initTestRepo();
    await commitFiles(outer, { 'a.txt': 'a' });
    const inner = path.join(outer, 'sub');
    mkdirSync(inner);
    await expect(git(inner, ['rev-parse', 'HEAD'])).rejects.toBeInstanceOf(NotARepositoryError);
  });

  it('throws NotARepositoryError for a missing dir', async () => {
    const missing = path.join(tempDir(), 'missing');
    await expect(git(missing, ['status'])).rejects.toMatchObject({ code: 'NOT_A_REPO' });
  });

  it('commits as hyperhive whatever the repo or global config says', async () => {
    const home = tempDir();
    writeFileSync(path.join(home, '.gitconfig'), '[user]\n  name = someone else\n[commit]\n  gpgsign = true\n');
    const savedHome = process.env.HOME;
    process.env.HOME = home;
    try {
      const repo = await initTestRepo(); // repo-local identity "hive test"
      writeFileSync(path.join(repo, 'f'), 'x');
      await commitAll(repo, 'x');
      expect(await git(repo, ['log', '-1', '--format=%an <%ae> / %cn <%ce>'])).toBe(
        'hyperhive <hive@hyperhive.invalid> / hyperhive <hive@hyperhive.invalid>',
      );
    } finally {
      process.env.HOME = savedHome;
    }
    expect(hiveGitIdentity).toMatchObject({ GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' });
  });

  it('never runs hooks from the repo', async () => {
    const repo = await initTestRepo();
    const marker = path.join(repo, '..', `hook-ran-${path.basename(repo)}`);
    const hook = path.join(repo, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, `#!/bin/sh\ntouch '${marker}'\n`);
    chmodSync(hook, 0o755);
    writeFileSync(path.join(repo, 'f'), 'x');
    await commitAll(repo, 'x');
    expect(existsSync(marker)).toBe(false);
  });

  it('ignores replace refs on every call (positive control: plain git follows them)', async () => {
    const repo = await initTestRepo();
    const real = await commitFiles(repo, { 'a.txt': 'real\n' });
    const decoy = await commitFiles(repo, { 'a.txt': 'decoy\n' });
    const { git: tgit } = await import('@hive/testkit');
    await tgit(repo, ['replace', real, decoy]);
    expect(await tgit(repo, ['show', `${real}:a.txt`])).toBe('decoy');
    expect(await git(repo, ['show', `${real}:a.txt`])).toBe('real');
  });

  it('reaches no transport but local paths (ext:: and http are refused)', async () => {
    const repo = await initTestRepo();
    const marker = path.join(tempDir(), 'ext-ran');
    await expect(git(repo, ['fetch', `ext::sh -c touch% ${marker}`, 'main'])).rejects.toThrow(/transport 'ext' not allowed/);
    await expect(git(repo, ['ls-remote', 'http://127.0.0.1:9/x'])).rejects.toThrow(/transport 'http' not allowed/);
    expect(existsSync(marker)).toBe(false);
  });

  it('reads no in-tree or indexed .gitattributes in an isolated call', async () => {
    const repo = await initTestRepo();
    await commitFiles(repo, { '.gitattributes': '*.nix -diff\n', 'a.nix': 'x\n' });
    const { runGit } = await import('./git.js');
    expect((await runGit(repo, ['check-attr', 'diff', '--', 'a.nix'])).stdout).toBe('a.nix: diff: unset\n');
    expect((await runGit(repo, ['check-attr', 'diff', '--', 'a.nix'], { isolated: true })).stdout).toBe('a.nix: diff: unspecified\n');
  });
});
