import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { validateAgentName } from '@hive/core';
import { InvalidRemoteUrlError } from './errors.js';
import { git, runGit } from './git.js';
import { initRepo, isRepo } from './repo.js';
import { agentFiles } from './templates.js';

export interface SetupProposedOptions {
  /** The proposed repo, normally `<state>/agents/<name>/config`. */
  dir: string;
  name: string;
  /** URL of the `applied` remote; default `/applied/<name>/.git`, the path inside the manager container. */
  appliedRemoteUrl?: string;
}

/** Creates the proposed repo seeded with agent.nix + flake.nix (one commit), and keeps its `applied` remote right. */
export async function setupProposed(o: SetupProposedOptions): Promise<{ created: boolean }> {
  validateAgentName(o.name);
  const url = o.appliedRemoteUrl ?? `/applied/${o.name}/.git`;
  if (!url || url.startsWith('-')) throw new InvalidRemoteUrlError(url);
  let created = false;
  // A repo without a first commit is a seed interrupted half-way: finish it rather than leave it empty.
  if (!isRepo(o.dir) || !(await hasCommit(o.dir))) {
    await initRepo(o.dir);
    const files = agentFiles(o.name);
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(o.dir, file), text);
    await git(o.dir, ['add', '--', ...Object.keys(files)]);
    await git(o.dir, ['commit', '-q', '--no-verify', '-m', `init ${o.name}`]);
    created = true;
  }
  await ensureRemote(o.dir, 'applied', url);
  return { created };
}

async function hasCommit(repo: string): Promise<boolean> {
  return (await runGit(repo, ['rev-parse', '--verify', '--quiet', 'HEAD'], { allowFailure: true })).exitCode === 0;
}

/** Adds remote `name` at `url`, or set-urls it when it drifted; a no-op when already right. */
async function ensureRemote(repo: string, name: string, url: string): Promise<void> {
  const current = await runGit(repo, ['remote', 'get-url', name], { allowFailure: true });
  if (current.exitCode !== 0) await git(repo, ['remote', 'add', name, url]);
  else if (current.stdout.trim() !== url) await git(repo, ['remote', 'set-url', name, url]);
}
