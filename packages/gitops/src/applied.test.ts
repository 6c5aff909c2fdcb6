import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commitFiles, git as tgit, initRepo as initTestRepo, snapshotTree, tempDir } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import { setupApplied } from './applied.js';
import { PreOverhaulLayoutError, RefNotFoundError, ShaNotFoundError } from './errors.js';
import { git } from './git.js';
import { setupProposed } from './proposed.js';

async function layout(name = 'coder') {
  const root = tempDir();
  const proposedDir = path.join(root, 'agents', name, 'config');
  await setupProposed({ dir: proposedDir, name });
  return { root, proposedDir, dir: path.join(root, 'applied', name) };
}

describe('setupApplied', () => {
  it("creates applied from proposed's main, checked out, and tags deployed/0", async () => {
    const { proposedDir, dir } = await layout();
    const main = await git(proposedDir, ['rev-parse', 'refs/heads/main']);
    expect(await setupApplied({ dir, proposedDir })).toEqual({ created: true });
    expect(await git(dir, ['rev-parse', 'refs/heads/main'])).toBe(main);
    expect(await git(dir, ['rev-parse', 'refs/tags/deployed/0'])).toBe(main);
    expect(await git(dir, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/main');
    expect(await git(dir, ['status', '--porcelain'])).toBe('');
    expect(readFileSync(path.join(dir, 'agent.nix'), 'utf8')).toBe(readFileSync(path.join(proposedDir, 'agent.nix'), 'utf8'));
    // No leftovers from building it beside the target.
    expect(readdirSync(path.dirname(dir))).toEqual(['coder']);
  });

  it('deploys the given sha instead of main when one is named', async () => {
    const { proposedDir, dir } = await layout();
    const shown = await git(proposedDir, ['rev-parse', 'refs/heads/main']);
    await commitFiles(proposedDir, { 'agent.nix': '{ ... }: { }\n' }, 'edit after the request');
    expect(await setupApplied({ dir, proposedDir, sha: shown })).toEqual({ created: true });
    expect(await git(dir, ['rev-parse', 'refs/tags/deployed/0'])).toBe(shown);
    expect(await git(dir, ['rev-parse', 'refs/heads/main'])).toBe(shown);
  });

  it('refuses a sha proposed does not have, creating nothing', async () => {
    const { proposedDir, dir } = await layout();
    await expect(setupApplied({ dir, proposedDir, sha: 'deadbeef'.repeat(5) })).rejects.toBeInstanceOf(ShaNotFoundError);
    await expect(setupApplied({ dir, proposedDir, sha: 'deadbeef' })).rejects.toMatchObject({ code: 'INVALID_SHA' });
    expect(existsSync(dir)).toBe(false);
  });

  it('is a no-op when deployed/0 already exists', async () => {
    const { proposedDir, dir } = await layout();
    await setupApplied({ dir, proposedDir });
    await commitFiles(proposedDir, { 'agent.nix': '{ ... }: { }\n' }, 'manager edit');
    const before = await snapshotTree(dir);
    expect(await setupApplied({ dir, proposedDir })).toEqual({ created: false });
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it('treats an existing empty dir as fresh', async () => {
    const { proposedDir, dir } = await layout();
    mkdirSync(dir, { recursive: true });
    expect(await setupApplied({ dir, proposedDir })).toEqual({ created: true });
    expect(await git(dir, ['tag', '--list'])).toBe('deployed/0');
  });

  it('refuses a pre-overhaul applied repo (no deployed/0) with the destroy --purge hint, changing nothing', async () => {
    const { root, proposedDir, dir } = await layout();
    await initTestRepo(dir);
    await commitFiles(dir, { 'flake.nix': '{ old wrapper }' }, 'old layout');
    const before = await snapshotTree(root);
    const err = await setupApplied({ dir, proposedDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreOverhaulLayoutError);
    expect(err).toMatchObject({ code: 'PRE_OVERHAUL_LAYOUT' });
    expect((err as Error).message).toContain('run `hive destroy coder --purge`');
    expect(await snapshotTree(root)).toEqual(before);
  });

  it('refuses a non-empty dir that is not a repo, changing nothing', async () => {
    const { root, proposedDir, dir } = await layout();
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'stray'), 'x');
    const before = await snapshotTree(root);
    await expect(setupApplied({ dir, proposedDir })).rejects.toBeInstanceOf(PreOverhaulLayoutError);
    expect(await snapshotTree(root)).toEqual(before);
  });

  it('throws RefNotFoundError when proposed has no main, and creates nothing', async () => {
    const root = tempDir();
    const proposedDir = await initTestRepo(path.join(root, 'proposed'));
    await commitFiles(proposedDir, { 'a.txt': 'a' });
    await tgit(proposedDir, ['branch', '-m', 'main', 'other']);
    const dir = path.join(root, 'applied', 'x');
    await expect(setupApplied({ dir, proposedDir })).rejects.toBeInstanceOf(RefNotFoundError);
    expect(existsSync(path.join(root, 'applied'))).toBe(false);
  });

  it('refuses a first commit the policy refuses (a symlink to a token), leaving no applied dir', async () => {
    const { symlinkSync } = await import('node:fs');
    const { root, proposedDir, dir } = await layout();
    mkdirSync(path.join(root, 'state', 'other'), { recursive: true });
    writeFileSync(path.join(root, 'state', 'other', 'token'), 'OTHER-TOKEN\n');
    symlinkSync('../../state/other/token', path.join(proposedDir, 'notes.nix'));
    await tgit(proposedDir, ['add', 'notes.nix']);
    await tgit(proposedDir, ['commit', '-q', '-m', 'sneaky']);
    const err = await setupApplied({ dir, proposedDir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PROPOSAL_REFUSED' });
    expect((err as Error).message).toBe('proposal refused: notes.nix is a symlink (symlinks are not allowed in agent configs)');
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(path.dirname(dir))).toEqual([]);
  });

  it('refuses a proposed repo with alternates before reading it', async () => {
    const { proposedDir, dir } = await layout();
    writeFileSync(path.join(proposedDir, '.git/objects/info/alternates'), '/elsewhere/objects\n');
    await expect(setupApplied({ dir, proposedDir })).rejects.toMatchObject({ code: 'UNSAFE_REPO' });
    expect(existsSync(dir)).toBe(false);
  });
});
