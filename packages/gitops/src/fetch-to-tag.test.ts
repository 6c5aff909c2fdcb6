import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commitFiles, git as tgit, initRepo as initTestRepo, snapshotTree, tempDir } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import { InvalidShaError, NotARepositoryError, ShaNotFoundError, TagExistsError, InvalidRefError } from './errors.js';
import { fetchToTag } from './fetch-to-tag.js';
import { git } from './git.js';
import { tagExists } from './tags.js';

async function pair() {
  const from = await initTestRepo();
  const base = await commitFiles(from, { 'agent.nix': '{ }' }, 'base');
  const head = await commitFiles(from, { 'agent.nix': '{ x = 1; }', 'more.nix': '{ }' }, 'change');
  const repo = await initTestRepo();
  return { from, repo, base, head };
}

describe('fetchToTag', () => {
  it('fetches the exact sha and pins it as a lightweight tag', async () => {
    const { from, repo, head } = await pair();
    expect(await fetchToTag({ repo, from, sha: head, tag: 'proposal/1' })).toBe(head);
    expect(await git(repo, ['rev-parse', 'refs/tags/proposal/1'])).toBe(head);
    expect(await git(repo, ['cat-file', '-t', 'refs/tags/proposal/1'])).toBe('commit');
    expect(await git(repo, ['show', 'refs/tags/proposal/1:more.nix'])).toBe('{ }');
    // Nothing else came along: no branches, no other tags, no FETCH_HEAD.
    expect(await git(repo, ['for-each-ref', '--format=%(refname)'])).toBe('refs/tags/proposal/1');
    expect(existsSync(path.join(repo, '.git', 'FETCH_HEAD'))).toBe(false);
  });

  it('refuses an abbreviated sha (InvalidShaError) even when it names exactly one commit', async () => {
    const { from, repo, base } = await pair();
    const before = await snapshotTree(repo);
    for (const short of [base.slice(0, 4), base.slice(0, 7).toUpperCase(), base.slice(0, 39)]) {
      await expect(fetchToTag({ repo, from, sha: short, tag: 'proposal/2' }), short).rejects.toBeInstanceOf(InvalidShaError);
    }
    expect(await snapshotTree(repo)).toEqual(before);
    // Positive control: the same commit by its full name is fetched.
    expect(await fetchToTag({ repo, from, sha: base.toUpperCase(), tag: 'proposal/2' })).toBe(base);
  });

  it('fetches a commit no branch points at any more', async () => {
    const { from, repo, base, head } = await pair();
    await tgit(from, ['reset', '-q', '--hard', base]);
    expect(await fetchToTag({ repo, from, sha: head, tag: 'proposal/3' })).toBe(head);
  });

  it('throws ShaNotFoundError (404) with a clear message when the source lacks the sha, and creates nothing', async () => {
    const { from, repo } = await pair();
    const before = await snapshotTree(repo);
    const missing = 'f'.repeat(40);
    const err = await fetchToTag({ repo, from, sha: missing, tag: 'proposal/4' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShaNotFoundError);
    expect(err).toMatchObject({ code: 'SHA_NOT_FOUND' });
    expect((err as Error).message).toBe(`commit ${missing} not found in ${from} — commit it there first (and check the sha)`);
    expect(await snapshotTree(repo)).toEqual(before);
  });

  it('does not mistake a hex-looking branch name for a sha', async () => {
    const { from, repo } = await pair();
    const hexName = 'beef'.repeat(10);
    await tgit(from, ['branch', hexName]);
    await expect(fetchToTag({ repo, from, sha: hexName, tag: 'proposal/5' })).rejects.toBeInstanceOf(ShaNotFoundError);
  });

  it('refuses a sha that names a blob, not a commit', async () => {
    const { from, repo } = await pair();
    const blob = await git(from, ['rev-parse', 'HEAD:agent.nix']);
    await expect(fetchToTag({ repo, from, sha: blob, tag: 'proposal/6' })).rejects.toBeInstanceOf(ShaNotFoundError);
  });

  it('refuses non-hex shas (400) before running git, so --upload-pack can never reach it', async () => {
    const { from, repo } = await pair();
    const marker = path.join(tempDir(), 'pwned');
    const beforeRepo = await snapshotTree(repo);
    const beforeFrom = await snapshotTree(from);
    for (const sha of [`--upload-pack=touch ${marker}`, '--upload-pack=x', 'HEAD', 'main', 'abc', 'abcd', 'g123456', '', 'a'.repeat(65), 'a'.repeat(41), 'abcd ef']) {
      const err = await fetchToTag({ repo, from, sha, tag: 'proposal/7' }).catch((e: unknown) => e);
      expect(err, sha).toBeInstanceOf(InvalidShaError);
      expect(err).toMatchObject({ code: 'INVALID_SHA' });
    }
    expect(existsSync(marker)).toBe(false);
    expect(await snapshotTree(repo)).toEqual(beforeRepo);
    expect(await snapshotTree(from)).toEqual(beforeFrom);
  });

  it('refuses an option-like tag name', async () => {
    const { from, repo, head } = await pair();
    await expect(fetchToTag({ repo, from, sha: head, tag: '--force' })).rejects.toBeInstanceOf(InvalidRefError);
  });

  it('throws TagExistsError instead of moving an existing tag', async () => {
    const { from, repo, base, head } = await pair();
    await fetchToTag({ repo, from, sha: base, tag: 'proposal/8' });
    await expect(fetchToTag({ repo, from, sha: head, tag: 'proposal/8' })).rejects.toBeInstanceOf(TagExistsError);
    expect(await git(repo, ['rev-parse', 'refs/tags/proposal/8'])).toBe(base);
  });

  it('throws NotARepositoryError when the source is not a repo', async () => {
    const { repo, head } = await pair();
    await expect(fetchToTag({ repo, from: tempDir(), sha: head, tag: 'proposal/9' })).rejects.toBeInstanceOf(
      NotARepositoryError,
    );
    expect(await tagExists(repo, 'proposal/9')).toBe(false);
  });

  it('runs check on a copy before anything lands: a refusal leaves the target repo byte for byte as it was', async () => {
    const { from, repo, head } = await pair();
    const before = await snapshotTree(repo);
    const seen: string[] = [];
    const refuse = async (copy: string, sha: string) => {
      seen.push(await git(copy, ['show', `${sha}:more.nix`]));
      throw new Error('refused by the check');
    };
    await expect(fetchToTag({ repo, from, sha: head, tag: 'proposal/10', check: refuse })).rejects.toThrow('refused by the check');
    expect(seen).toEqual(['{ }']);
    expect(await snapshotTree(repo)).toEqual(before);
    // Positive control: a passing check pins the tag as usual.
    expect(await fetchToTag({ repo, from, sha: head, tag: 'proposal/10', check: async () => {} })).toBe(head);
    expect(await git(repo, ['rev-parse', 'refs/tags/proposal/10'])).toBe(head);
  });
});

// What the daemon's request_apply_commit uses: the snapshot and the checked copy kept per agent.
describe('fetchToTag with a kept proposal dir', () => {
  const looseFile = (repo: string, sha: string) => path.join(repo, '.git', 'objects', sha.slice(0, 2), sha.slice(2));
  const checkedTree = async (staging: string, full: string) => git(staging, ['rev-parse', `${full}^{tree}`]);

  it('copies only what the source gained since the last request, and each proposal is checked and pinned', async () => {
    const { from, repo, base, head } = await pair();
    const keep = path.join(await tempDir(), 'proposals', 'coder');
    const seen: string[] = [];
    const check = async (staging: string, full: string) => void seen.push(await checkedTree(staging, full));
    expect(await fetchToTag({ repo, from, sha: base, tag: 'proposal/1', check, keep })).toBe(base);
    const objects = (dir: string) => readdirSync(path.join(dir, 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => readdirSync(path.join(dir, 'objects', d)));
    const copied = objects(path.join(keep, 'snapshot'));
    // Newer objects in the source: the kept snapshot holds exactly the source's objects, none twice.
    const third = await commitFiles(from, { 'notes.md': 'x' }, 'third');
    expect(await fetchToTag({ repo, from, sha: third, tag: 'proposal/2', check, keep })).toBe(third);
    const source = objects(path.join(from, '.git')).sort();
    expect(objects(path.join(keep, 'snapshot')).sort()).toEqual(source);
    expect(copied.length).toBeLessThan(source.length);
    expect(seen).toEqual([await git(from, ['rev-parse', `${base}^{tree}`]), await git(from, ['rev-parse', `${third}^{tree}`])]);
    expect(await git(repo, ['rev-parse', 'refs/tags/proposal/1', 'refs/tags/proposal/2'])).toBe(`${base}\n${third}`);
    expect(await git(repo, ['show', `refs/tags/proposal/2:more.nix`])).toBe('{ }');
  });

  it('a refused proposal leaves the receiving repo as it was, and the next one still lands', async () => {
    const { from, repo, base, head } = await pair();
    const keep = path.join(await tempDir(), 'keep');
    const before = await snapshotTree(repo);
    const refuse = async () => {
      throw new Error('refused by policy');
    };
    await expect(fetchToTag({ repo, from, sha: head, tag: 'proposal/1', check: refuse, keep })).rejects.toThrow('refused by policy');
    expect(await snapshotTree(repo)).toEqual(before);
    expect(await fetchToTag({ repo, from, sha: base, tag: 'proposal/1', check: async () => undefined, keep })).toBe(base);
  });

  it('starts the snapshot afresh when an object kept from an earlier copy is not what its name says', async () => {
    const { from, repo, head } = await pair();
    const keep = path.join(await tempDir(), 'keep');
    // A loose object is forged in the source before the first request: its file holds another object.
    const blob = await git(from, ['rev-parse', `${head}:more.nix`]);
    const good = readFileSync(looseFile(from, blob));
    const other = await git(from, ['rev-parse', `${head}:agent.nix`]);
    chmodSync(looseFile(from, blob), 0o644);
    writeFileSync(looseFile(from, blob), readFileSync(looseFile(from, other)));
    await expect(fetchToTag({ repo, from, sha: head, tag: 'proposal/1', check: async () => undefined, keep })).rejects.toBeInstanceOf(ShaNotFoundError);
    expect(await tagExists(repo, 'proposal/1')).toBe(false);
    // The source is repaired; the kept copy still has the forged file under that name, and is replaced.
    writeFileSync(looseFile(from, blob), good);
    expect(await fetchToTag({ repo, from, sha: head, tag: 'proposal/1', check: async () => undefined, keep })).toBe(head);
    expect(await git(repo, ['show', 'refs/tags/proposal/1:more.nix'])).toBe('{ }');
  });

  it('refuses a sha that names a tree, not a commit, and a sha the source lacks', async () => {
    const { from, repo, head } = await pair();
    const keep = path.join(await tempDir(), 'keep');
    const tree = await git(from, ['rev-parse', `${head}^{tree}`]);
    await expect(fetchToTag({ repo, from, sha: tree, tag: 'proposal/1', check: async () => undefined, keep })).rejects.toBeInstanceOf(ShaNotFoundError);
    await expect(fetchToTag({ repo, from, sha: 'e'.repeat(40), tag: 'proposal/1', check: async () => undefined, keep })).rejects.toBeInstanceOf(ShaNotFoundError);
    expect(await tagExists(repo, 'proposal/1')).toBe(false);
  });
});
