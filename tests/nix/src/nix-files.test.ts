import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotTree, tempDir } from '@hive/testkit';
import { checkNixParses, listNixFiles, repoRoot } from './nix-files.js';
import { NixParseError } from './errors.js';

const repoFiles = listNixFiles(repoRoot);

describe('every .nix file in the repo', () => {
  it('includes the repo flake, the NixOS modules, the package and the agent templates', () => {
    expect(repoFiles).toEqual(
      expect.arrayContaining([
        'flake.nix',
        'nix/modules/host.nix',
        'nix/modules/harness-base.nix',
        'nix/package.nix',
        'packages/gitops/templates/agent.nix',
        'packages/gitops/templates/flake.nix',
      ]),
    );
  });

  it.each(repoFiles)('%s parses with nix-instantiate --parse', async (file) => {
    await checkNixParses(repoRoot, file);
  });
});

describe('listNixFiles', () => {
  it('skips node_modules, dist and .git', () => {
    const dir = tempDir();
    for (const rel of ['a.nix', 'sub/b.nix', 'node_modules/x/c.nix', 'dist/d.nix', '.git/e.nix', 'sub/notes.txt']) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), '{ }\n');
    }
    expect(listNixFiles(dir)).toEqual(['a.nix', 'sub/b.nix']);
  });
});

describe('checkNixParses', () => {
  it('names the file that does not parse and changes nothing on disk', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'nix'));
    writeFileSync(path.join(dir, 'nix/good.nix'), '{ lib, ... }: { a = 1; }\n');
    writeFileSync(path.join(dir, 'nix/broken.nix'), '{ a = ; }\n');
    const before = await snapshotTree(dir);

    await checkNixParses(dir, 'nix/good.nix');
    const err = await checkNixParses(dir, 'nix/broken.nix').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NixParseError);
    expect((err as NixParseError).code).toBe('NIX_PARSE_FAILED');
    expect((err as Error).message).toMatch(/^nix\/broken\.nix does not parse: .*syntax error/);
    expect((err as Error).message.split('\n')).toHaveLength(1);
    expect(await snapshotTree(dir)).toEqual(before);
  });
});
