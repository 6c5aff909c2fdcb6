import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, git, snapshotTree } from '@hive/testkit';
import { runNix } from '@hive/core';
import {
  AgentNotInMetaError,
  DeployNotPreparedError,
  InvalidShaError,
  UnknownCommitError,
  abortDeploy,
  finalizeDeploy,
  lockedRev,
  parseLock,
  prepareDeploy,
  stageDeploy,
  syncAgents,
} from './index.js';
import { evalHive } from './test-support/eval-hive.js';
import { agentNix, makeHive, type Hive } from './test-support/fixture.js';

/** A proposal commit in applied/<name> reachable only through refs/tags/proposal/<id>, as fetchToTag leaves it. */
async function proposal(h: Hive, name: string, id: number, model: string): Promise<string> {
  const repo = path.join(h.o.appliedRoot, name);
  const main = (await git(repo, ['rev-parse', 'main'])).trim();
  await git(repo, ['checkout', '-q', '--detach', main]);
  const sha = await commitFiles(repo, { 'agent.nix': agentNix(model) }, `proposal ${id}`);
  await git(repo, ['tag', `proposal/${id}`, sha]);
  await git(repo, ['checkout', '-q', 'main']);
  return sha;
}

describe('two-phase deploy', () => {
  let h: Hive;
  let coderMain: string;
  beforeAll(async () => {
    h = await makeHive();
    coderMain = await h.agent('coder', 'sonnet');
    await h.agent('hm1nd');
    await syncAgents({ ...h.o, agents: h.specs('coder', 'hm1nd') });
  });

  it('prepareDeploy pins a tag-only sha in the working tree without committing or touching flake.nix', async () => {
    const sha = await proposal(h, 'coder', 7, 'opus');
    expect(await git(path.join(h.o.appliedRoot, 'coder'), ['branch', '--contains', sha])).toBe('');
    const head = await h.head();
    const flake = readFileSync(path.join(h.o.metaDir, 'flake.nix'), 'utf8');
    await prepareDeploy(h.o, { name: 'coder', sha });
    expect(await lockedRev(h.o.metaDir, 'coder')).toBe(sha);
    expect(await h.head()).toBe(head);
    expect(await h.status()).toBe('M flake.lock');
    expect(readFileSync(path.join(h.o.metaDir, 'flake.nix'), 'utf8')).toBe(flake);
    // The pin keeps flake.nix's URL as its `original`, so nix does not see the lock as stale.
    const lock = parseLock(readFileSync(path.join(h.o.metaDir, 'flake.lock'), 'utf8'))!;
    expect(lock.nodes['agent-coder']!.original).toEqual({ type: 'git', url: `file://${h.o.appliedRoot}/coder`, ref: 'main' });
    // What a build evaluates now is the proposal, and a plain relock keeps the pin.
    expect((await evalHive(h.o.metaDir, 'coder')).model).toBe('opus');
    await runNix(['flake', 'lock', h.o.metaDir], { cwd: h.o.metaDir });
    expect(await lockedRev(h.o.metaDir, 'coder')).toBe(sha);
  });

  it('finalizeDeploy commits the lock as `deploy coder deployed/7 <sha12>` and returns the new HEAD', async () => {
    const sha = (await lockedRev(h.o.metaDir, 'coder'))!;
    const head = await finalizeDeploy(h.o, { name: 'coder', id: 7, sha });
    expect(head).toBe(await h.head());
    expect((await h.log())[0]).toBe(`deploy coder deployed/7 ${sha.slice(0, 12)}`);
    expect(await git(h.o.metaDir, ['show', '--name-only', '--format=', head])).toBe('flake.lock');
    expect(await h.status()).toBe('');
    // A later sync keeps the deployed pin (flake.nix still names the plain applied URL).
    expect((await syncAgents({ ...h.o, agents: h.specs('coder', 'hm1nd') })).changed).toBe(false);
    expect(await lockedRev(h.o.metaDir, 'coder')).toBe(sha);
  });

  it('abortDeploy restores the lock after a failed build, with no new commit', async () => {
    const before = await snapshotTree(path.join(h.o.metaDir));
    const head = await h.head();
    const pinned = await lockedRev(h.o.metaDir, 'coder');
    const sha = await proposal(h, 'coder', 8, 'haiku');
    await prepareDeploy(h.o, { name: 'coder', sha: sha.slice(0, 12) });
    expect(await lockedRev(h.o.metaDir, 'coder')).toBe(sha);
    await abortDeploy(h.o);
    expect(await lockedRev(h.o.metaDir, 'coder')).toBe(pinned);
    expect(await h.head()).toBe(head);
    expect(await h.status()).toBe('');
    expect((await snapshotTree(h.o.metaDir))['flake.lock']).toBe(before['flake.lock']);
    expect((await evalHive(h.o.metaDir, 'coder')).model).toBe('opus');
  });

  it('stageDeploy writes the meta commit without moving main; finalizeDeploy lands exactly it; abort after staging drops it', async () => {
    const head = await h.head();
    const sha = await proposal(h, 'coder', 10, 'haiku');
    const prepared = await prepareDeploy(h.o, { name: 'coder', sha });
    expect(prepared).toEqual({ parent: head });
    const staged = await stageDeploy(h.o, { name: 'coder', id: 10, sha, prepared });
    expect(staged.commit.parent).toBe(head);
    expect(await h.head()).toBe(head);
    expect(await git(h.o.metaDir, ['log', '-1', '--format=%s %P', staged.commit.sha])).toBe(`deploy coder deployed/10 ${sha.slice(0, 12)} ${head}`);
    // The health gate said no: the staged commit never reaches main and the lock is back.
    const pinned = (await git(h.o.metaDir, ['show', `${head}:flake.lock`])).trim();
    await abortDeploy(h.o);
    expect(await h.head()).toBe(head);
    expect(readFileSync(path.join(h.o.metaDir, 'flake.lock'), 'utf8').trim()).toBe(pinned);
    // Again, and this time it lands: main is the staged commit, with nothing left to commit.
    const again = await stageDeploy(h.o, { name: 'coder', id: 11, sha, prepared: await prepareDeploy(h.o, { name: 'coder', sha }) });
    expect(await finalizeDeploy(h.o, { name: 'coder', id: 11, sha, staged: again })).toBe(again.commit.sha);
    expect(await h.head()).toBe(again.commit.sha);
    expect(await h.status()).toBe('');
    expect((await evalHive(h.o.metaDir, 'coder')).model).toBe('haiku');
  });

  it('a staged commit does not land once main moved under it (compare-and-swap)', async () => {
    const sha = await proposal(h, 'coder', 12, 'opus');
    const staged = await stageDeploy(h.o, { name: 'coder', id: 12, sha, prepared: await prepareDeploy(h.o, { name: 'coder', sha }) });
    const moved = (await git(h.o.metaDir, ['commit-tree', `${staged.commit.parent}^{tree}`, '-p', staged.commit.parent!, '-m', 'someone else'])).trim();
    await git(h.o.metaDir, ['update-ref', 'refs/heads/main', moved]);
    await expect(finalizeDeploy(h.o, { name: 'coder', id: 12, sha, staged })).rejects.toThrow();
    expect(await h.head()).toBe(moved);
    await abortDeploy(h.o);
  });

  it('abortDeploy is safe when nothing is pending, or the meta repo does not exist', async () => {
    const head = await h.head();
    await abortDeploy(h.o);
    expect(await h.head()).toBe(head);
    await expect(abortDeploy({ ...h.o, metaDir: path.join(h.root, 'no-meta') })).resolves.toBeUndefined();
  });

  it('finalizeDeploy refuses when the lock is not pinned to that sha', async () => {
    const head = await h.head();
    await expect(finalizeDeploy(h.o, { name: 'coder', id: 9, sha: coderMain })).rejects.toBeInstanceOf(DeployNotPreparedError);
    expect(await h.head()).toBe(head);
  });

  it('refuses bad input before anything is written', async () => {
    const before = await snapshotTree(h.root);
    await expect(prepareDeploy(h.o, { name: 'coder', sha: 'not-hex!' })).rejects.toBeInstanceOf(InvalidShaError);
    await expect(prepareDeploy(h.o, { name: 'coder', sha: 'abc' })).rejects.toThrow(/invalid commit sha "abc": use 7–40 hex digits/);
    await expect(prepareDeploy(h.o, { name: '../coder', sha: coderMain })).rejects.toThrow(/invalid agent name/);
    await expect(prepareDeploy(h.o, { name: 'coder', sha: 'f'.repeat(40) })).rejects.toBeInstanceOf(UnknownCommitError);
    await expect(prepareDeploy(h.o, { name: 'nobody', sha: coderMain })).rejects.toBeInstanceOf(UnknownCommitError);
    await expect(finalizeDeploy(h.o, { name: 'coder', id: -1, sha: coderMain })).rejects.toThrow(/id: -1 is not an approval id/);
    await expect(finalizeDeploy(h.o, { name: 'coder', id: 1, sha: 'zz' })).rejects.toBeInstanceOf(InvalidShaError);
    expect(await snapshotTree(h.root)).toEqual(before);
  });

  it('refuses an agent that is not in the meta flake, and a meta repo never synced', async () => {
    const sha = await h.agent('iris');
    await expect(prepareDeploy(h.o, { name: 'iris', sha })).rejects.toBeInstanceOf(AgentNotInMetaError);
    await expect(prepareDeploy({ ...h.o, metaDir: path.join(h.root, 'no-meta') }, { name: 'coder', sha: coderMain })).rejects.toThrow(
      /has no commit yet/,
    );
    expect(await h.status()).toBe('');
  });
});
