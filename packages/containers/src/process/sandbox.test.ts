import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@hive/testkit';
import { unreadableEntries } from './host-view.js';
import { AGENT_GID, AGENT_UID, SANDBOX_GROUP, SANDBOX_PASSWD, writeSandboxIdentity } from './identity.js';
import { agentMounts, appRoot, bwrapArgs, isolationArgs, mountEnv } from './sandbox.js';

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
    // The network stays the host's: the harness must reach the daemon and the API on loopback.
    expect(args).not.toContain('--unshare-net');
    expect(args).not.toContain('--unshare-all');
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

describe('sandbox isolation', () => {
  const harness = path.resolve('test-fixtures/mini-harness.mjs');

  it('runs as the fixed non-root uid in its own user namespace, with no capabilities, no nested namespaces, a new session', () => {
    const mounts = agentMounts({ stateRoot: '/srv/hive', stateDir: '/srv/hive/state/coder', isManager: false });
    const args = bwrapArgs({ name: 'coder', command: [process.execPath, harness], mounts, stateRoot: '/srv/hive' });
    const before = args.slice(0, args.indexOf('--'));
    for (const flag of ['--unshare-user', '--disable-userns', '--new-session', '--die-with-parent', '--unshare-pid', '--unshare-ipc', '--unshare-uts'])
      expect(before, flag).toContain(flag);
    expect(before.join(' ')).toContain(`--uid ${AGENT_UID} --gid ${AGENT_GID}`);
    expect(before.join(' ')).toContain('--cap-drop ALL');
    expect(AGENT_UID).not.toBe(0);
    expect(isolationArgs({ disableUserns: false })).not.toContain('--disable-userns');
  });

  it('binds the daemon-owned passwd and group naming the agent uid over the host\'s', () => {
    const root = tempDir('hive-root-');
    const identity = writeSandboxIdentity(root);
    expect(identity).toEqual({ passwd: path.join(root, '.sandbox', 'passwd'), group: path.join(root, '.sandbox', 'group') });
    expect(readFileSync(identity.passwd, 'utf8')).toBe(SANDBOX_PASSWD);
    expect(SANDBOX_PASSWD).toContain(`agent:x:${AGENT_UID}:${AGENT_GID}:hyperhive agent:/state:/bin/sh`);
    expect(readFileSync(identity.group, 'utf8')).toBe(SANDBOX_GROUP);
    const mounts = agentMounts({ stateRoot: root, stateDir: path.join(root, 'state', 'coder'), isManager: false });
    const args = bwrapArgs({ name: 'coder', command: [process.execPath, harness], mounts, stateRoot: root, identity });
    expect(pairs(args, '--ro-bind')).toContainEqual(['--ro-bind', identity.passwd, '/etc/passwd']);
    expect(pairs(args, '--ro-bind')).toContainEqual(['--ro-bind', identity.group, '/etc/group']);
    // The bind must come after /etc itself, or /etc's bind would cover it.
    expect(args.indexOf(identity.passwd)).toBeGreaterThan(args.indexOf('/etc'));
  });

  it('blanks every system file and dir that only its owner may read, since the agent uid maps to that owner', () => {
    const hidden = unreadableEntries(['/etc']);
    if (existsSync('/etc/shadow')) expect(hidden.files).toContain('/etc/shadow');
    const mounts = agentMounts({ stateRoot: '/srv/hive', stateDir: '/srv/hive/state/coder', isManager: false });
    const args = bwrapArgs({ name: 'coder', command: [process.execPath, harness], mounts, stateRoot: '/srv/hive' });
    for (const f of hidden.files) expect(pairs(args, '--ro-bind'), f).toContainEqual(['--ro-bind', '/dev/null', f]);
    for (const d of hidden.dirs) expect(pairs(args, '--tmpfs'), d).toContainEqual(['--tmpfs', d]);
    // Nothing world-readable is blanked.
    expect(hidden.files).not.toContain('/etc/passwd');
    expect(hidden.files).not.toContain('/etc/hostname');
  });

  it('finds unreadable entries in a tree it walks, skipping symlinks', () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'open', 'closed'), { recursive: true });
    writeFileSync(path.join(dir, 'open', 'public'), 'x', { mode: 0o644 });
    writeFileSync(path.join(dir, 'open', 'key'), 'x', { mode: 0o600 });
    chmodSync(path.join(dir, 'open', 'closed'), 0o750);
    symlinkSync('key', path.join(dir, 'open', 'link'));
    chmodSync(dir, 0o755);
    expect(unreadableEntries([dir])).toEqual({ dirs: [path.join(dir, 'open', 'closed')], files: [path.join(dir, 'open', 'key')] });
  });
});
