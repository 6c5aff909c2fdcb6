import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { snapshotTree, tempDir } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import { InvalidRemoteUrlError } from './errors.js';
import { git } from './git.js';
import { setupProposed } from './proposed.js';
import { initRepo } from './repo.js';
import { AGENT_TEMPLATES } from './templates.js';

const proposedDir = (name: string) => path.join(tempDir(), 'agents', name, 'config');

describe('setupProposed', () => {
  it('creates the repo with agent.nix and flake.nix in one "init <name>" commit', async () => {
    const dir = proposedDir('coder');
    expect(await setupProposed({ dir, name: 'coder' })).toEqual({ created: true });
    expect(await git(dir, ['rev-list', '--count', 'HEAD'])).toBe('1');
    expect(await git(dir, ['log', '-1', '--format=%s|%an'])).toBe('init coder|hyperhive');
    expect(await git(dir, ['ls-tree', '--name-only', 'HEAD'])).toBe('agent.nix\nflake.nix');
    expect(await git(dir, ['symbolic-ref', '--short', 'HEAD'])).toBe('main');
    expect(await git(dir, ['status', '--porcelain'])).toBe('');
    expect(readFileSync(path.join(dir, 'agent.nix'), 'utf8')).toBe(AGENT_TEMPLATES.agentNix);
    expect(readFileSync(path.join(dir, 'flake.nix'), 'utf8')).toContain('description = "hyperhive agent coder";');
    expect(readFileSync(path.join(dir, 'flake.nix'), 'utf8')).not.toContain('<name>');
  });

  it('adds the applied remote at /applied/<name>/.git by default', async () => {
    const dir = proposedDir('iris');
    await setupProposed({ dir, name: 'iris' });
    expect(await git(dir, ['remote', 'get-url', 'applied'])).toBe('/applied/iris/.git');
    expect(await git(dir, ['config', 'remote.applied.fetch'])).toBe('+refs/heads/*:refs/remotes/applied/*');
  });

  it('is idempotent: a second call changes nothing on disk', async () => {
    const dir = proposedDir('atlas');
    await setupProposed({ dir, name: 'atlas' });
    const before = await snapshotTree(dir);
    expect(await setupProposed({ dir, name: 'atlas' })).toEqual({ created: false });
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it('leaves an existing repo untouched apart from the remote, and set-urls a drifted remote', async () => {
    const dir = proposedDir('a');
    await setupProposed({ dir, name: 'a' });
    writeFileSync(path.join(dir, 'agent.nix'), '# manager edit, not committed yet\n');
    await git(dir, ['remote', 'set-url', 'applied', '/somewhere/else']);
    const head = await git(dir, ['rev-parse', 'HEAD']);
    expect(await setupProposed({ dir, name: 'a' })).toEqual({ created: false });
    expect(await git(dir, ['remote', 'get-url', 'applied'])).toBe('/applied/a/.git');
    expect(await git(dir, ['rev-parse', 'HEAD'])).toBe(head);
    expect(readFileSync(path.join(dir, 'agent.nix'), 'utf8')).toBe('# manager edit, not committed yet\n');
  });

  it('adds a missing remote to a pre-existing repo and honours a custom URL', async () => {
    const dir = proposedDir('b');
    await setupProposed({ dir, name: 'b' });
    await git(dir, ['remote', 'remove', 'applied']);
    await setupProposed({ dir, name: 'b', appliedRemoteUrl: '/srv/applied/b/.git' });
    expect(await git(dir, ['remote', 'get-url', 'applied'])).toBe('/srv/applied/b/.git');
  });

  it('finishes a seed that was interrupted after git init', async () => {
    const dir = proposedDir('c');
    await initRepo(dir);
    expect(await setupProposed({ dir, name: 'c' })).toEqual({ created: true });
    expect(await git(dir, ['ls-tree', '--name-only', 'HEAD'])).toBe('agent.nix\nflake.nix');
  });

  it('refuses a bad name or remote URL with a clear error and writes nothing', async () => {
    const root = tempDir();
    for (const name of ['..', 'A', '-a', 'a/b', 'waytoolongname']) {
      await expect(setupProposed({ dir: path.join(root, 'x'), name })).rejects.toMatchObject({ code: 'INVALID_NAME' });
    }
    await expect(
      setupProposed({ dir: path.join(root, 'x'), name: 'ok', appliedRemoteUrl: '--upload-pack=x' }),
    ).rejects.toBeInstanceOf(InvalidRemoteUrlError);
    expect(existsSync(path.join(root, 'x'))).toBe(false);
  });
});

describe('setupProposed in a manager-prepared repo', () => {
  /** An empty repo whose config and info/attributes run a clean filter on `git add`. */
  async function filterTrap(dir: string) {
    const { chmodSync } = await import('node:fs');
    await initRepo(dir);
    const marker = path.join(path.dirname(dir), `filter-ran-${path.basename(path.dirname(dir))}`);
    const script = path.join(path.dirname(dir), 'filter.sh');
    writeFileSync(script, `#!/bin/sh\ntouch '${marker}'\ncat\n`);
    chmodSync(script, 0o755);
    await git(dir, ['config', 'filter.x.clean', script]);
    writeFileSync(path.join(dir, '.git/info/attributes'), '* filter=x\n');
    return marker;
  }

  it('finishes an empty repo without running its filter driver (marker stays absent)', async () => {
    const dir = proposedDir('f');
    const marker = await filterTrap(dir);
    expect(await setupProposed({ dir, name: 'f' })).toEqual({ created: true });
    expect(existsSync(marker)).toBe(false);
    expect(await git(dir, ['ls-tree', '--name-only', 'HEAD'])).toBe('agent.nix\nflake.nix');
    expect(await git(dir, ['log', '-1', '--format=%s|%an'])).toBe('init f|hyperhive');
    expect(readFileSync(path.join(dir, 'agent.nix'), 'utf8')).toBe(AGENT_TEMPLATES.agentNix);
  });

  it('positive control: the same trap does run its filter under a plain git add', async () => {
    const dir = proposedDir('g');
    const marker = await filterTrap(dir);
    writeFileSync(path.join(dir, 'x.txt'), 'x\n');
    const { execa } = await import('execa');
    await execa('git', ['add', 'x.txt'], { cwd: dir, env: { GIT_CONFIG_GLOBAL: '/dev/null' } });
    expect(existsSync(marker)).toBe(true);
  });

  it('refuses a proposed repo with alternates or a gitfile before any git runs, writing nothing', async () => {
    const dir = proposedDir('h');
    await initRepo(dir);
    writeFileSync(path.join(dir, '.git/objects/info/alternates'), '/somewhere/.git/objects\n');
    const before = await snapshotTree(dir);
    await expect(setupProposed({ dir, name: 'h' })).rejects.toThrow(/alternates exists/);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it('does not write through a symlinked agent.nix in an empty repo', async () => {
    const { symlinkSync } = await import('node:fs');
    const dir = proposedDir('i');
    await initRepo(dir);
    const outside = path.join(tempDir(), 'outside.txt');
    writeFileSync(outside, 'untouched\n');
    symlinkSync(outside, path.join(dir, 'agent.nix'));
    await expect(setupProposed({ dir, name: 'i' })).rejects.toMatchObject({ code: 'UNSAFE_REPO' });
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
  });
});
