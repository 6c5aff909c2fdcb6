import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commitFiles, snapshotTree, tempDir, testGitEnv } from '@hive/testkit';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { InvalidRemoteUrlError } from './errors.js';
import { git } from './git.js';
import { setupApplied } from './applied.js';
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
    expect(await git(dir, ['config', '--get-all', 'remote.applied.fetch'])).toBe(
      '+refs/heads/*:refs/remotes/applied/*\n+refs/tags/*:refs/remotes/applied/refs/tags/*',
    );
    expect(await git(dir, ['config', 'remote.applied.tagOpt'])).toBe('--no-tags');
  });

  it('repairs the refspecs of a repo made before the tag refspec existed, leaving other config alone', async () => {
    const dir = proposedDir('d');
    await setupProposed({ dir, name: 'd' });
    await git(dir, ['config', '--unset-all', 'remote.applied.fetch']);
    await git(dir, ['config', '--unset', 'remote.applied.tagOpt']);
    await git(dir, ['config', 'remote.applied.fetch', '+refs/heads/*:refs/remotes/applied/*']);
    await git(dir, ['config', 'user.name', 'the manager']);
    expect(await setupProposed({ dir, name: 'd' })).toEqual({ created: false });
    expect((await git(dir, ['config', '--get-all', 'remote.applied.fetch'])).split('\n')).toEqual([
      '+refs/heads/*:refs/remotes/applied/*',
      '+refs/tags/*:refs/remotes/applied/refs/tags/*',
    ]);
    expect(await git(dir, ['config', 'remote.applied.tagOpt'])).toBe('--no-tags');
    expect(await git(dir, ['config', 'user.name'])).toBe('the manager');
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

describe("the seed's applied commands, run as the manager runs them", () => {
  it('fetch applied, log applied/main, show applied/refs/tags/deployed/<id>, diff applied/main HEAD, rebase applied/main', async () => {
    const root = tempDir();
    const proposed = path.join(root, 'agents', 'coder', 'config');
    const applied = path.join(root, 'applied', 'coder');
    await setupProposed({ dir: proposed, name: 'coder' });
    await setupApplied({ dir: applied, proposedDir: proposed });
    // The daemon deploys another commit (as a rollback does: a new commit on applied main) and tags it.
    const deployed = await commitFiles(applied, { 'notes.md': 'deployed by the daemon\n' }, 'deploy notes');
    await git(applied, ['tag', 'deployed/1', deployed]);
    // The manager, meanwhile, committed on top of the first config.
    const mine = await commitFiles(proposed, { 'plan.md': 'the next change\n' }, 'plan');
    // The remote URL is the path inside the manager's container; map it to where the applied repo really is.
    const manager = (args: string[]) =>
      execa('git', ['-c', `url.${applied}/.git.insteadOf=/applied/coder/.git`, ...args], { cwd: proposed, env: testGitEnv, reject: false });

    const fetch = await manager(['fetch', 'applied']);
    expect(fetch.exitCode, fetch.stderr).toBe(0);
    expect((await manager(['log', '--format=%s', 'applied/main'])).stdout.split('\n')).toEqual(['deploy notes', 'init coder']);
    const show = await manager(['show', '--format=%H', '--stat', 'applied/refs/tags/deployed/1']);
    expect(show.exitCode, show.stderr).toBe(0);
    expect(show.stdout).toContain(deployed);
    expect(show.stdout).toContain('notes.md');
    expect((await manager(['show', '--format=%H', '-s', 'applied/refs/tags/deployed/0'])).stdout).toBe(await git(applied, ['rev-parse', 'deployed/0']));
    const d = await manager(['diff', '--name-status', 'applied/main', 'HEAD']);
    expect(d.stdout.split('\n').sort()).toEqual(['A\tplan.md', 'D\tnotes.md']);
    const rebase = await manager(['rebase', 'applied/main']);
    expect(rebase.exitCode, rebase.stderr).toBe(0);
    expect(await git(proposed, ['rev-parse', 'HEAD^'])).toBe(deployed);
    expect(await git(proposed, ['log', '-1', '--format=%s'])).toBe('plan');
    expect(await git(proposed, ['rev-parse', 'HEAD'])).not.toBe(mine);
    // The applied tags stay under applied/: none lands among the manager's own tags.
    expect((await manager(['tag', '-l'])).stdout).toBe('');
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
