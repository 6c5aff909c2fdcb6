import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { InvalidNameError } from '@hive/core';
import { snapshotTree, tempDir } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import { ensureBindSources, nspawnBindFlags } from './binds.js';
import { UnsafeNspawnFlagError } from './errors.js';

const BAD_NAMES = ['..', '/x', 'A', '-a', 'abcdefghij', '', 'a b', '../x', 'a/b'];

describe('nspawnBindFlags', () => {
  it('gives the manager /agents RW, /applied RO, /meta RO and its own state RW, in that order', () => {
    expect(nspawnBindFlags({ stateRoot: '/var/lib/hyperhive', name: 'hm1nd', isManager: true })).toEqual([
      '--bind=/var/lib/hyperhive/agents:/agents',
      '--bind-ro=/var/lib/hyperhive/applied:/applied',
      '--bind-ro=/var/lib/hyperhive/meta:/meta',
      '--bind=/var/lib/hyperhive/state/hm1nd:/state',
    ]);
  });

  it('gives every other agent only its own state dir, read-write', () => {
    expect(nspawnBindFlags({ stateRoot: '/var/lib/hyperhive', name: 'coder', isManager: false })).toEqual([
      '--bind=/var/lib/hyperhive/state/coder:/state',
    ]);
  });

  it('resolves a relative or untidy state root to an absolute path', () => {
    const flags = nspawnBindFlags({ stateRoot: 'some/../state-root/', name: 'coder', isManager: false });
    expect(flags).toEqual([`--bind=${path.resolve('state-root')}/state/coder:/state`]);
  });

  it.each(BAD_NAMES)('refuses the name %j', (name) => {
    expect(() => nspawnBindFlags({ stateRoot: '/srv/hive', name, isManager: true })).toThrow(InvalidNameError);
  });

  it.each(['/srv/my hive', '/srv/a:b', '/srv/$HOME', '/srv/"q"'])('refuses a state root nspawn cannot carry: %j', (root) => {
    expect(() => nspawnBindFlags({ stateRoot: root, name: 'coder', isManager: false })).toThrow(UnsafeNspawnFlagError);
  });
});

describe('ensureBindSources', () => {
  it('creates every bind source of the manager on a cold start', async () => {
    const root = path.join(tempDir(), 'state-root');
    await ensureBindSources({ stateRoot: root, name: 'hm1nd', isManager: true });
    for (const d of ['agents', 'applied', 'meta', 'state/hm1nd']) expect(existsSync(path.join(root, d))).toBe(true);
    expect(readdirSync(root).sort()).toEqual(['agents', 'applied', 'meta', 'state']);
  });

  it('creates only the state dir of a plain agent and is idempotent', async () => {
    const root = tempDir();
    await ensureBindSources({ stateRoot: root, name: 'coder', isManager: false });
    await ensureBindSources({ stateRoot: root, name: 'coder', isManager: false });
    expect(readdirSync(root)).toEqual(['state']);
    expect(readdirSync(path.join(root, 'state'))).toEqual(['coder']);
  });

  it.each(BAD_NAMES)('refuses %j without creating anything, inside or beside the root', async (name) => {
    const parent = tempDir();
    const root = path.join(parent, 'root');
    const before = await snapshotTree(parent);
    await expect(ensureBindSources({ stateRoot: root, name, isManager: true })).rejects.toThrow(InvalidNameError);
    expect(await snapshotTree(parent)).toEqual(before);
    expect(readdirSync(parent)).toEqual([]);
  });
});
