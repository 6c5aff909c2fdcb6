import { commitFiles, git, initRepo } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import { InvalidRefError } from './errors.js';
import { catFileBatch } from './cat-file-batch.js';

describe('catFileBatch', () => {
  it('reads commits, blobs by path and binary content byte for byte, in order, with misses marked', async () => {
    const repo = await initRepo();
    const bytes = Buffer.from([0, 1, 2, 0xff, 0x0a, 0xc3, 0x28, 0x0a]);
    const sha = await commitFiles(repo, { 'agent.nix': '{ hive.model = "opus"; }\n', 'blob.bin': bytes.toString('latin1'), 'ü.txt': 'grüße\n' }, 'seed');
    // commitFiles writes strings as UTF-8; write the binary file's exact bytes and commit again.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${repo}/blob.bin`, bytes);
    await git(repo, ['commit', '-qam', 'bytes']);
    const head = (await git(repo, ['rev-parse', 'HEAD'])).trim();
    const got = await catFileBatch(repo, [head, 'HEAD:agent.nix', 'HEAD:blob.bin', 'HEAD:nope.txt', 'HEAD:ü.txt', `${sha}^{tree}`]);
    expect(got.map((e) => (e.missing ? 'missing' : e.type))).toEqual(['commit', 'blob', 'blob', 'missing', 'blob', 'tree']);
    const [commit, nix, bin, , umlaut] = got;
    expect(commit!.missing || commit!.content.toString('utf8')).toMatch(/^tree [0-9a-f]{40}\nparent /);
    expect(nix!.missing || nix!.content.toString('utf8')).toBe('{ hive.model = "opus"; }\n');
    expect(bin!.missing || bin!.content.equals(bytes)).toBe(true);
    expect(umlaut!.missing || umlaut!.content.toString('utf8')).toBe('grüße\n');
  });

  it('refuses names with whitespace or a leading dash before running git', async () => {
    const repo = await initRepo();
    await expect(catFileBatch(repo, ['HEAD\nHEAD'])).rejects.toBeInstanceOf(InvalidRefError);
    await expect(catFileBatch(repo, ['--batch-all-objects'])).rejects.toBeInstanceOf(InvalidRefError);
  });
});
