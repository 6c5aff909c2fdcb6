import { commitFiles, initRepo as initTestRepo, snapshotTree } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import { InvalidRefError, RefNotFoundError, TagExistsError } from './errors.js';
import { git } from './git.js';
import { listTags, readTagMessage, tag, tagAnnotated, tagExists } from './tags.js';

async function repoWithCommit() {
  const repo = await initTestRepo();
  const sha = await commitFiles(repo, { 'a.txt': 'a' });
  return { repo, sha };
}

describe('tag', () => {
  it('plants a lightweight tag at the sha', async () => {
    const { repo, sha } = await repoWithCommit();
    await tag(repo, 'proposal/1', sha.slice(0, 8));
    expect(await git(repo, ['cat-file', '-t', 'refs/tags/proposal/1'])).toBe('commit');
    expect(await git(repo, ['rev-parse', 'refs/tags/proposal/1'])).toBe(sha);
    expect(await tagExists(repo, 'proposal/1')).toBe(true);
    expect(await readTagMessage(repo, 'proposal/1')).toBeNull();
  });

  it('throws TagExistsError when the tag is already there, keeping the old target', async () => {
    const { repo, sha } = await repoWithCommit();
    await tag(repo, 't', sha);
    const other = await commitFiles(repo, { 'b.txt': 'b' });
    const err = await tag(repo, 't', other).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TagExistsError);
    expect(err).toMatchObject({ code: 'TAG_EXISTS' });
    expect(await git(repo, ['rev-parse', 'refs/tags/t'])).toBe(sha);
  });

  it('throws RefNotFoundError for an absent target', async () => {
    const { repo } = await repoWithCommit();
    await expect(tag(repo, 't', 'deadbeef')).rejects.toBeInstanceOf(RefNotFoundError);
    expect(await tagExists(repo, 't')).toBe(false);
  });

  it('refuses option-like and malformed tag names before running git', async () => {
    const { repo, sha } = await repoWithCommit();
    const before = await snapshotTree(repo);
    for (const bad of ['-d', '--delete', 'a..b', 'x y', 'end/', 'a/.hidden', 'x.lock', '', 'a:b']) {
      await expect(tag(repo, bad, sha), bad).rejects.toBeInstanceOf(InvalidRefError);
    }
    expect(await snapshotTree(repo)).toEqual(before);
  });
});

describe('tagAnnotated and readTagMessage', () => {
  it('round-trips a multi-line message with quotes, $() and # lines untouched', async () => {
    const { repo, sha } = await repoWithCommit();
    const message = 'error: build failed\n# not a comment\n  "quoted" $(rm -rf /) `tick` \\n\n\nlast line';
    await tagAnnotated(repo, 'failed/3', sha, message);
    expect(await git(repo, ['cat-file', '-t', 'refs/tags/failed/3'])).toBe('tag');
    expect(await git(repo, ['rev-parse', 'refs/tags/failed/3^{commit}'])).toBe(sha);
    expect(await readTagMessage(repo, 'failed/3')).toBe(message);
  });

  it('tags as hyperhive', async () => {
    const { repo, sha } = await repoWithCommit();
    await tagAnnotated(repo, 'denied/1', sha, 'no');
    expect(await git(repo, ['for-each-ref', '--format=%(taggername) %(taggeremail)', 'refs/tags/denied/1'])).toBe(
      'hyperhive <hive@hyperhive.invalid>',
    );
  });

  it('stores a placeholder for an empty message instead of failing', async () => {
    const { repo, sha } = await repoWithCommit();
    await tagAnnotated(repo, 'denied/2', sha, '  \n');
    expect(await readTagMessage(repo, 'denied/2')).toBe('(no message)');
  });

  it('throws TagExistsError for a taken name', async () => {
    const { repo, sha } = await repoWithCommit();
    await tag(repo, 'x', sha);
    await expect(tagAnnotated(repo, 'x', sha, 'm')).rejects.toBeInstanceOf(TagExistsError);
    expect(await readTagMessage(repo, 'x')).toBeNull();
  });

  it('reads null for an absent tag', async () => {
    const { repo } = await repoWithCommit();
    expect(await readTagMessage(repo, 'nope/1')).toBeNull();
    expect(await tagExists(repo, 'nope/1')).toBe(false);
  });
});

describe('listTags', () => {
  it('lists matching tags in version order', async () => {
    const { repo, sha } = await repoWithCommit();
    for (const t of ['proposal/10', 'proposal/2', 'proposal/1', 'deployed/0', 'proposalx']) await tag(repo, t, sha);
    expect(await listTags(repo, 'proposal/*')).toEqual(['proposal/1', 'proposal/2', 'proposal/10']);
    expect(await listTags(repo, 'failed/*')).toEqual([]);
  });

  it('refuses an option-like pattern', async () => {
    const { repo } = await repoWithCommit();
    await expect(listTags(repo, '--contains=HEAD')).rejects.toBeInstanceOf(InvalidRefError);
  });
});
