import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, git, snapshotTree } from '@hive/testkit';
import { AgentNotInMetaError, lockUpdateForRebuild, lockUpdateHyperhive, lockedRev, parseLock, syncAgents } from './index.js';
import { agentNix, makeHive, type Hive } from './test-support/fixture.js';

const hyperhiveRev = (h: Hive) =>
  parseLock(readFileSync(path.join(h.o.metaDir, 'flake.lock'), 'utf8'))!.nodes.hyperhive!.locked!.rev;

describe('single-phase relocks', () => {
  let h: Hive;
  let hm1nd: string;
  beforeAll(async () => {
    h = await makeHive();
    await h.agent('coder');
    hm1nd = await h.agent('hm1nd');
    await syncAgents({ ...h.o, agents: h.specs('coder', 'hm1nd') });
  });

  it('lockUpdateForRebuild commits nothing when applied main has not moved', async () => {
    const before = await snapshotTree(h.o.metaDir);
    const head = await h.head();
    expect(await lockUpdateForRebuild(h.o, 'coder')).toEqual({ changed: false, sha: head });
    expect(await snapshotTree(h.o.metaDir)).toEqual(before);
  });

  it('lockUpdateForRebuild relocks only that agent to applied main and commits "rebuild <n> <sha12>"', async () => {
    const repo = path.join(h.o.appliedRoot, 'coder');
    const sha = await commitFiles(repo, { 'agent.nix': agentNix('opus') }, 'new main');
    await commitFiles(path.join(h.o.appliedRoot, 'hm1nd'), { 'agent.nix': agentNix('opus') }, 'not relocked');
    // A build in flight elsewhere leaves the working tree off main: main is what gets locked.
    await git(repo, ['read-tree', '--reset', '-u', 'HEAD~1']);
    const r = await lockUpdateForRebuild(h.o, 'coder');
    expect(r.changed).toBe(true);
    expect(r.sha).toBe(await h.head());
    expect((await h.log())[0]).toBe(`rebuild coder ${sha.slice(0, 12)}`);
    expect(await lockedRev(h.o.metaDir, 'coder')).toBe(sha);
    expect(await lockedRev(h.o.metaDir, 'hm1nd')).toBe(hm1nd);
    expect(await h.status()).toBe('');
    await git(repo, ['read-tree', '--reset', '-u', 'HEAD']);
  });

  it('lockUpdateHyperhive commits only when the hyperhive input moved', async () => {
    const head = await h.head();
    expect(await lockUpdateHyperhive(h.o)).toEqual({ changed: false, sha: head });
    const stub = path.join(h.root, 'stub', 'hyperhive');
    const rev = await commitFiles(stub, { 'NEWS.md': 'a new hyperhive\n' }, 'hyperhive update');
    const r = await lockUpdateHyperhive(h.o);
    expect(r.changed).toBe(true);
    expect((await h.log())[0]).toBe(`update hyperhive ${rev.slice(0, 12)}`);
    expect(hyperhiveRev(h)).toBe(rev);
    expect(await lockedRev(h.o.metaDir, 'hm1nd')).toBe(hm1nd);
  });

  it('refuses an agent that is not in the meta flake, and a bad name, without writing', async () => {
    const before = await snapshotTree(h.root);
    await expect(lockUpdateForRebuild(h.o, 'iris')).rejects.toBeInstanceOf(AgentNotInMetaError);
    await expect(lockUpdateForRebuild(h.o, 'a/b')).rejects.toThrow(/invalid agent name/);
    await expect(lockUpdateHyperhive({ ...h.o, metaDir: path.join(h.root, 'nothing') })).rejects.toThrow(/no commit yet/);
    expect(await snapshotTree(h.root)).toEqual(before);
  });
});
