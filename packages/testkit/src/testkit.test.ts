import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitFiles, git, initRepo, snapshotTree, tempDir } from './index.js';

describe('testkit', () => {
  it('makes a repo on main with a local identity and commits files', async () => {
    const repo = await initRepo();
    const sha = await commitFiles(repo, { 'a/b.txt': 'hi\n' }, 'first');
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect((await git(repo, ['rev-parse', '--abbrev-ref', 'HEAD'])).trim()).toBe('main');
    expect((await git(repo, ['log', '-1', '--format=%an %s'])).trim()).toBe('hive test first');
  });
  it('snapshots a tree so any change shows, ignoring SQLite side files', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'x'), '1');
    writeFileSync(path.join(dir, 'db-wal'), 'a');
    const before = await snapshotTree(dir);
    writeFileSync(path.join(dir, 'db-wal'), 'b');
    expect(await snapshotTree(dir)).toEqual(before);
    writeFileSync(path.join(dir, 'x'), '2');
    expect(await snapshotTree(dir)).not.toEqual(before);
  });
});
