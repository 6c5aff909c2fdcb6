import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidNameError } from '@hive/core';
import { git, snapshotTree } from '@hive/testkit';
import { InvalidMetaOptionError, lockedRev, parseLock, syncAgents } from './index.js';
import { makeHive, type Hive } from './test-support/fixture.js';

const lockOf = (h: Hive) => parseLock(readFileSync(path.join(h.o.metaDir, 'flake.lock'), 'utf8'))!;

describe('syncAgents', () => {
  let h: Hive;
  let coder: string;
  beforeAll(async () => {
    h = await makeHive();
    coder = await h.agent('coder');
    await h.agent('hm1nd');
    await h.agent('iris');
  });

  it('creates the repo, locks and commits on the first call', async () => {
    const r = await syncAgents({ ...h.o, agents: h.specs('hm1nd', 'coder') });
    expect(r.changed).toBe(true);
    expect(r.sha).toBe(await h.head());
    expect(await h.log()).toEqual(['sync agents: coder, hm1nd']);
    expect(await h.status()).toBe('');
    expect(await lockedRev(h.o.metaDir, 'coder')).toBe(coder);
    expect(Object.keys(lockOf(h).nodes).sort()).toEqual(['agent-coder', 'agent-hm1nd', 'hyperhive', 'nixpkgs', 'root']);
    expect(await git(h.o.metaDir, ['ls-files'])).toBe('flake.lock\nflake.nix');
  });

  it('is a no-op the second time: same HEAD, nothing written', async () => {
    const before = await h.head();
    const snap = await snapshotTree(h.o.metaDir);
    const r = await syncAgents({ ...h.o, agents: h.specs('coder', 'hm1nd') });
    expect(r).toEqual({ changed: false, sha: before });
    expect(await snapshotTree(h.o.metaDir)).toEqual(snap);
  });

  it('commits when an agent is added, keeping the others pinned', async () => {
    const r = await syncAgents({ ...h.o, agents: h.specs('coder', 'hm1nd', 'iris') });
    expect(r.changed).toBe(true);
    expect((await h.log())[0]).toBe('sync agents: coder, hm1nd, iris');
    expect(await lockedRev(h.o.metaDir, 'iris')).not.toBeNull();
    expect(await lockedRev(h.o.metaDir, 'coder')).toBe(coder);
  });

  it('removes an agent’s input and its lock node', async () => {
    await syncAgents({ ...h.o, agents: h.specs('coder', 'hm1nd') });
    const flake = readFileSync(path.join(h.o.metaDir, 'flake.nix'), 'utf8');
    expect(flake).not.toContain('agent-iris');
    expect(lockOf(h).nodes['agent-iris']).toBeUndefined();
    expect(await lockedRev(h.o.metaDir, 'iris')).toBeNull();
  });

  it('recovers from a dirty working tree by resetting to HEAD', async () => {
    const head = await h.head();
    writeFileSync(path.join(h.o.metaDir, 'flake.nix'), 'garbage {');
    writeFileSync(path.join(h.o.metaDir, 'flake.lock'), '{"not": "a lock"}');
    await git(h.o.metaDir, ['add', 'flake.nix']);
    const r = await syncAgents({ ...h.o, agents: h.specs('coder', 'hm1nd') });
    expect(r).toEqual({ changed: false, sha: head });
    expect(await h.status()).toBe('');
  });

  it('recovers from a diverged HEAD: a side commit of a broken flake and lock is replaced by a fresh state', async () => {
    const good = readFileSync(path.join(h.o.metaDir, 'flake.nix'), 'utf8');
    writeFileSync(path.join(h.o.metaDir, 'flake.nix'), '{ outputs = _: { }; }\n');
    writeFileSync(path.join(h.o.metaDir, 'flake.lock'), 'not json');
    await git(h.o.metaDir, ['commit', '-qam', 'edited on the side']);
    const r = await syncAgents({ ...h.o, agents: h.specs('coder', 'hm1nd') });
    expect(r.changed).toBe(true);
    expect((await h.log()).slice(0, 2)).toEqual(['sync agents: coder, hm1nd', 'edited on the side']);
    expect(readFileSync(path.join(h.o.metaDir, 'flake.nix'), 'utf8')).toBe(good);
    expect(await lockedRev(h.o.metaDir, 'coder')).toBe(coder);
    expect(await h.status()).toBe('');
  });

  it('recovers from a stale lock committed on the side (an input missing)', async () => {
    const lock = lockOf(h);
    delete lock.nodes['agent-hm1nd'];
    delete lock.nodes.root!.inputs!['agent-hm1nd'];
    writeFileSync(path.join(h.o.metaDir, 'flake.lock'), JSON.stringify(lock, null, 2));
    await git(h.o.metaDir, ['commit', '-qam', 'lock edited on the side']);
    const r = await syncAgents({ ...h.o, agents: h.specs('coder', 'hm1nd') });
    expect(r.changed).toBe(true);
    expect(await lockedRev(h.o.metaDir, 'hm1nd')).not.toBeNull();
  });

  it('recovers from a detached HEAD with a garbage main ref by adopting the detached commit', async () => {
    const head = await h.head();
    await git(h.o.metaDir, ['checkout', '-q', '--detach', head]);
    writeFileSync(path.join(h.o.metaDir, '.git', 'refs', 'heads', 'main'), 'garbage\n');
    const r = await syncAgents({ ...h.o, agents: h.specs('coder', 'hm1nd') });
    expect(r).toEqual({ changed: false, sha: head });
    expect(await git(h.o.metaDir, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/main');
    expect(await h.head()).toBe(head);
  });

  it('recovers from a garbage main ref by committing a fresh state', async () => {
    writeFileSync(path.join(h.o.metaDir, '.git', 'refs', 'heads', 'main'), 'garbage\n');
    const r = await syncAgents({ ...h.o, agents: h.specs('coder', 'hm1nd') });
    expect(r.changed).toBe(true);
    expect(await h.log()).toEqual(['sync agents: coder, hm1nd']);
    expect(await lockedRev(h.o.metaDir, 'coder')).toBe(coder);
    expect(await h.status()).toBe('');
    // And it is stable again afterwards.
    expect(await syncAgents({ ...h.o, agents: h.specs('coder', 'hm1nd') })).toEqual({ changed: false, sha: r.sha });
  });

  it('refuses bad input before anything is written', async () => {
    const fresh = await makeHive();
    const before = await snapshotTree(fresh.root);
    await expect(syncAgents({ ...fresh.o, agents: [{ name: 'Bad', port: 8100, isManager: false, label: 'b' }] })).rejects.toBeInstanceOf(InvalidNameError);
    await expect(syncAgents({ ...fresh.o, hyperhiveUrl: 'nope', agents: [] })).rejects.toBeInstanceOf(InvalidMetaOptionError);
    await expect(syncAgents({ ...fresh.o, metaDir: '/tmp/a b', agents: [] })).rejects.toThrow(/metaDir/);
    expect(await snapshotTree(fresh.root)).toEqual(before);
    expect(existsSync(fresh.o.metaDir)).toBe(false);
  });

  it('leaves the last commit in place when nix fails, and says why', async () => {
    const head = await h.head();
    await expect(syncAgents({ ...h.o, agents: h.specs('coder', 'hm1nd', 'ghost') })).rejects.toThrow(/^no applied repo with a main branch for ghost: /);
    expect(await h.head()).toBe(head);
    expect(await h.status()).toBe('');
  });
});

describe('syncAgents with no agents', () => {
  it('still makes a locked, evaluable flake with only hyperhive and nixpkgs', async () => {
    const h = await makeHive();
    const r = await syncAgents({ ...h.o, agents: [] });
    expect(r.changed).toBe(true);
    expect(await h.log()).toEqual(['sync agents: (none)']);
    expect(Object.keys(lockOf(h).nodes).sort()).toEqual(['hyperhive', 'nixpkgs', 'root']);
    expect(await syncAgents({ ...h.o, agents: [] })).toEqual({ changed: false, sha: r.sha });
  });
});
