import { closeSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateAgentName } from '@hive/core';
import { InvalidRemoteUrlError, UnsafeRepoError } from './errors.js';
import { git, runGit } from './git.js';
import { assertPlainRepo } from './repo-guard.js';
import { initRepo } from './repo.js';
import { copyTreeAt, openDirNoFollow, withDirAt, writeFileAt } from './safe-fs.js';
import { agentFiles } from './templates.js';

export interface SetupProposedOptions {
  /** The proposed repo, normally `<state>/agents/<name>/config`. */
  dir: string;
  name: string;
  /** URL of the `applied` remote; default `/applied/<name>/.git`, the path inside the manager container. */
  appliedRemoteUrl?: string;
}

/**
 * Creates the proposed repo seeded with agent.nix + flake.nix (one commit), and keeps its `applied`
 * remote right. The manager can write this repo, so no porcelain runs in it: the seed commit is
 * made in a daemon-owned temp repo and its files are copied in without following symlinks.
 */
export async function setupProposed(o: SetupProposedOptions): Promise<{ created: boolean }> {
  validateAgentName(o.name);
  const url = o.appliedRemoteUrl ?? `/applied/${o.name}/.git`;
  if (!url || url.startsWith('-') || /[\0-\x1f\x7f]/.test(url)) throw new InvalidRemoteUrlError(url);
  const dir = path.resolve(o.dir);
  let created = false;
  const st = lstatOrNull(dir);
  if (!st || (st.isDirectory() && readdirSync(dir).length === 0)) {
    await withSeed(o.name, (seed) => copyFresh(seed, dir));
    created = true;
  } else {
    assertPlainRepo(dir);
    // A repo without a first commit is a seed interrupted half-way (or one the manager made):
    // finish it by copying the seed's objects in, never by running `git add` under its config.
    if (!(await resolves(dir, 'HEAD'))) {
      await withSeed(o.name, (seed, sha) => finishSeed(seed, sha, dir));
      created = true;
    }
  }
  await ensureRemote(dir, 'applied', url);
  return { created };
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

/** Builds the seed repo (one `init <name>` commit) in a fresh daemon-owned temp dir. */
async function withSeed(name: string, fn: (seed: string, sha: string) => Promise<void> | void): Promise<void> {
  const seed = mkdtempSync(path.join(os.tmpdir(), 'hive-seed-'));
  try {
    await initRepo(seed);
    const files = agentFiles(name);
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(seed, file), text);
    await git(seed, ['add', '--', ...Object.keys(files)]);
    await git(seed, ['commit', '-q', '--no-verify', '-m', `init ${name}`]);
    await fn(seed, await git(seed, ['rev-parse', 'HEAD']));
  } finally {
    rmSync(seed, { recursive: true, force: true });
  }
}

/** A missing or empty dir: the whole seed repo copied in (parent dirs made first). */
function copyFresh(seed: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const fd = openDirNoFollow(dir);
  try {
    copyTreeAt(seed, fd, { exclusive: true, shown: dir });
  } finally {
    closeSync(fd);
  }
}

/** An existing repo with no commit: seed objects, index and files copied in, then main and HEAD set with plumbing. */
async function finishSeed(seed: string, sha: string, dir: string): Promise<void> {
  const fd = openDirNoFollow(dir);
  try {
    withDirAt(fd, '.git/objects', dir, (objects) => copyTreeAt(path.join(seed, '.git/objects'), objects, { exclusive: true, shown: dir }), true);
    withDirAt(fd, '.git', dir, (g) => writeFileAt(g, 'index', readFileSync(path.join(seed, '.git/index')), { shown: dir }));
    for (const file of ['agent.nix', 'flake.nix']) writeFileAt(fd, file, readFileSync(path.join(seed, file)), { shown: dir });
  } finally {
    closeSync(fd);
  }
  assertPlainRepo(dir);
  if (!(await resolves(dir, 'refs/heads/main'))) await git(dir, ['update-ref', '-m', 'hyperhive: seed', 'refs/heads/main', sha, '0'.repeat(40)]);
  await git(dir, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
  if (!(await resolves(dir, 'HEAD'))) throw new UnsafeRepoError(dir, 'its HEAD does not resolve after seeding: remove the repo and spawn again');
}

async function resolves(repo: string, ref: string): Promise<boolean> {
  const r = await runGit(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { allowFailure: true, isolated: true });
  return r.exitCode === 0;
}

/**
 * What `git fetch applied` maps, so the seed's names resolve in the manager's clone: heads under
 * `applied/*` (`applied/main`) and tags under `applied/refs/tags/*` (`applied/refs/tags/deployed/3`).
 * Tags are not auto-followed into the clone's own `refs/tags`: the daemon's tags stay the daemon's,
 * and a local tag of the same name can never make the fetch fail as "would clobber".
 */
function appliedRemoteFetch(name: string): string[] {
  return [`+refs/heads/*:refs/remotes/${name}/*`, `+refs/tags/*:refs/remotes/${name}/refs/tags/*`];
}

/**
 * Keeps remote `name` at `url` with appliedRemoteFetch's refspecs and tags off, writing only what
 * drifted. Edits `.git/config` as a file (`git config --file`, includes off) so nothing of the
 * repo's own config is acted on.
 */
async function ensureRemote(repo: string, name: string, url: string): Promise<void> {
  assertPlainRepo(repo);
  const file = path.join(repo, '.git', 'config');
  const cfg = (args: string[], allowFailure = false) => runGit(os.tmpdir(), ['config', '--file', file, ...args], { allowFailure });
  const all = async (key: string) => {
    const r = await cfg(['--get-all', key], true);
    return r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  };
  const urls = await all(`remote.${name}.url`);
  if (urls.length !== 1 || urls[0] !== url) await cfg(['--replace-all', `remote.${name}.url`, url]);
  const fetch = appliedRemoteFetch(name);
  if ((await all(`remote.${name}.fetch`)).join('\n') !== fetch.join('\n')) {
    await cfg(['--unset-all', `remote.${name}.fetch`], true);
    for (const spec of fetch) await cfg(['--add', `remote.${name}.fetch`, spec]);
  }
  if ((await all(`remote.${name}.tagOpt`)).join('\n') !== '--no-tags') await cfg(['--replace-all', `remote.${name}.tagOpt`, '--no-tags']);
}
