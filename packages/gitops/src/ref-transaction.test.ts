import { commitFiles, git, initRepo } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import { InvalidRefError, InvalidShaError, RefMovedError } from './errors.js';
import { updateRefs } from './ref-transaction.js';

const refs = async (repo: string) => (await git(repo, ['for-each-ref', '--format=%(refname) %(objectname)'])).trim().split('\n').sort();

async function twoCommits() {
  const repo = await initRepo();
  const a = await commitFiles(repo, { 'a.txt': 'a\n' }, 'a');
  const b = await commitFiles(repo, { 'b.txt': 'b\n' }, 'b');
  await git(repo, ['update-ref', 'refs/heads/main', a]);
  return { repo, a, b };
}

describe('updateRefs', () => {
  it('creates a tag and fast-forwards main in one transaction', async () => {
    const { repo, a, b } = await twoCommits();
    await updateRefs(repo, [
      { op: 'create', ref: 'refs/tags/deployed/1', sha: b },
      { op: 'update', ref: 'refs/heads/main', sha: b, old: a },
    ]);
    expect(await refs(repo)).toEqual([`refs/heads/main ${b}`, `refs/tags/deployed/1 ${b}`]);
  });

  it('lands nothing when one op finds its ref moved, and names that ref', async () => {
    const { repo, a, b } = await twoCommits();
    const before = await refs(repo);
    const err = await updateRefs(repo, [
      { op: 'create', ref: 'refs/tags/deployed/1', sha: b },
      { op: 'update', ref: 'refs/heads/main', sha: a, old: b },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefMovedError);
    expect((err as RefMovedError).ref).toBe('refs/heads/main');
    expect(await refs(repo)).toEqual(before);
  });

  it('refuses to create a ref that exists, leaving the other ops undone', async () => {
    const { repo, a, b } = await twoCommits();
    await git(repo, ['tag', 'approved/2', a]);
    const before = await refs(repo);
    await expect(
      updateRefs(repo, [
        { op: 'create', ref: 'refs/tags/building/2', sha: b },
        { op: 'create', ref: 'refs/tags/approved/2', sha: b },
      ]),
    ).rejects.toMatchObject({ code: 'REF_MOVED', ref: 'refs/tags/approved/2' });
    expect(await refs(repo)).toEqual(before);
  });

  it('verify and delete check their old values', async () => {
    const { repo, a, b } = await twoCommits();
    await git(repo, ['tag', 'building/3', b]);
    await expect(updateRefs(repo, [{ op: 'verify', ref: 'refs/heads/main', old: b }, { op: 'delete', ref: 'refs/tags/building/3' }])).rejects.toBeInstanceOf(RefMovedError);
    expect(await refs(repo)).toContain(`refs/tags/building/3 ${b}`);
    await updateRefs(repo, [{ op: 'verify', ref: 'refs/heads/main', old: a }, { op: 'delete', ref: 'refs/tags/building/3', old: b }]);
    expect(await refs(repo)).toEqual([`refs/heads/main ${a}`]);
  });

  it('verify with an all-zero old value asserts the ref does not exist (no failed/<id> beside a new deployed/<id>)', async () => {
    const { repo, a, b } = await twoCommits();
    const zero = '0'.repeat(40);
    const deploy = [
      { op: 'verify', ref: 'refs/tags/failed/4', old: zero },
      { op: 'create', ref: 'refs/tags/deployed/4', sha: b },
      { op: 'update', ref: 'refs/heads/main', sha: b, old: a },
    ] as const;
    await git(repo, ['tag', 'failed/4', a]);
    await expect(updateRefs(repo, deploy)).rejects.toMatchObject({ code: 'REF_MOVED', ref: 'refs/tags/failed/4' });
    expect((await refs(repo)).some((r) => r.startsWith('refs/tags/deployed/4'))).toBe(false);
    await git(repo, ['tag', '-d', 'failed/4']);
    await updateRefs(repo, deploy);
    expect(await refs(repo)).toEqual([`refs/heads/main ${b}`, `refs/tags/deployed/4 ${b}`]);
  });

  it('refuses short shas and bare or option-like ref names before running git', async () => {
    const { repo, b } = await twoCommits();
    await expect(updateRefs(repo, [{ op: 'create', ref: 'refs/tags/x', sha: b.slice(0, 12) }])).rejects.toBeInstanceOf(InvalidShaError);
    await expect(updateRefs(repo, [{ op: 'create', ref: 'main', sha: b }])).rejects.toBeInstanceOf(InvalidRefError);
    await expect(updateRefs(repo, [{ op: 'create', ref: '--stdin', sha: b }])).rejects.toBeInstanceOf(InvalidRefError);
  });

  it('refuses a sha naming no object', async () => {
    const { repo } = await twoCommits();
    await expect(updateRefs(repo, [{ op: 'create', ref: 'refs/tags/ghost', sha: 'f'.repeat(40) }])).rejects.toThrow();
    expect((await refs(repo)).some((r) => r.includes('ghost'))).toBe(false);
  });
});
