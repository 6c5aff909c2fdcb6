import { lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@hive/testkit';
import { agentMounts, appRoot, bwrapArgs, mountEnv } from './sandbox.js';

/** bwrap's argv as [flag, ...operands] triples/pairs, for order-insensitive checks. */
function pairs(args: string[], flag: string): string[][] {
  const width = flag === '--tmpfs' || flag === '--chdir' || flag === '--hostname' ? 2 : 3;
  const out: string[][] = [];
  args.forEach((a, i) => {
    if (a === flag) out.push(args.slice(i, i + width));
  });
  return out;
}

describe('agentMounts', () => {
  it('gives the manager /agents RW and /applied, /meta RO, and every agent its state dir at /state', () => {
    const root = '/srv/hive';
    expect(agentMounts({ stateRoot: root, stateDir: '/srv/hive/state/hm1nd', isManager: true })).toEqual([
      { source: '/srv/hive/state/hm1nd', target: '/state', writable: true, envVar: 'HIVE_STATE' },
      { source: '/srv/hive/agents', target: '/agents', writable: true, envVar: 'HIVE_AGENTS_DIR' },
      { source: '/srv/hive/applied', target: '/applied', writable: false, envVar: 'HIVE_APPLIED_DIR' },
      { source: '/srv/hive/meta', target: '/meta', writable: false, envVar: 'HIVE_META_DIR' },
    ]);
    const coder = agentMounts({ stateRoot: root, stateDir: '/srv/hive/state/coder', isManager: false });
    expect(coder.map((m) => m.target)).toEqual(['/state']);
    expect(mountEnv(coder, true)).toEqual({ HIVE_STATE: '/state' });
    expect(mountEnv(coder, false)).toEqual({ HIVE_STATE: '/srv/hive/state/coder' });
  });
});

describe('bwrapArgs', () => {
  const harness = path.resolve('test-fixtures/mini-harness.mjs');
  const workspace = path.resolve('../..');

  it('binds system dirs read-only, the agent dirs as nspawn does, and runs the command last', () => {
    const mounts = agentMounts({ stateRoot: '/srv/hive', stateDir: '/srv/hive/state/hm1nd', isManager: true });
    const args = bwrapArgs({ name: 'hm1nd', command: [process.execPath, harness], mounts, stateRoot: '/srv/hive' });
    expect(pairs(args, '--ro-bind')).toContainEqual(['--ro-bind', '/usr', '/usr']);
    expect(pairs(args, '--ro-bind')).toContainEqual(['--ro-bind', workspace, workspace]);
    expect(pairs(args, '--bind')).toEqual([
      ['--bind', '/srv/hive/state/hm1nd', '/state'],
      ['--bind', '/srv/hive/agents', '/agents'],
    ]);
    expect(pairs(args, '--ro-bind')).toContainEqual(['--ro-bind', '/srv/hive/applied', '/applied']);
    expect(pairs(args, '--ro-bind')).toContainEqual(['--ro-bind', '/srv/hive/meta', '/meta']);
    expect(args).toContain('--die-with-parent');
    expect(pairs(args, '--hostname')).toEqual([['--hostname', 'h-hm1nd']]);
    expect(args.slice(-3)).toEqual(['--', process.execPath, harness]);
    // Debian's merged /usr: /bin is a link, recreated as one instead of bound.
    if (lstatSync('/bin').isSymbolicLink()) expect(pairs(args, '--symlink')).toContainEqual(['--symlink', 'usr/bin', '/bin']);
  });

  it('hides a state root that lives inside a bound dir behind a tmpfs, before the agent binds', () => {
    const root = path.join(workspace, '.hive-state');
    const mounts = agentMounts({ stateRoot: root, stateDir: path.join(root, 'state', 'coder'), isManager: false });
    const args = bwrapArgs({ name: 'coder', command: [process.execPath, harness], mounts, stateRoot: root });
    const hide = args.findIndex((a, i) => a === '--tmpfs' && args[i + 1] === root);
    const stateBind = args.indexOf('--bind');
    expect(hide).toBeGreaterThan(-1);
    expect(hide).toBeLessThan(stateBind);
  });

  it('exposes a workspace root for a script inside a pnpm workspace, else its package or its dir', () => {
    expect(appRoot(harness)).toBe(workspace);
    const lone = tempDir();
    mkdirSync(path.join(lone, 'pkg', 'dist'), { recursive: true });
    writeFileSync(path.join(lone, 'pkg', 'package.json'), '{}');
    writeFileSync(path.join(lone, 'pkg', 'dist', 'main.js'), '');
    writeFileSync(path.join(lone, 'loose.js'), '');
    expect(appRoot(path.join(lone, 'pkg', 'dist', 'main.js'))).toBe(path.join(lone, 'pkg'));
    expect(appRoot(path.join(lone, 'loose.js'))).toBe(lone);
  });
});
