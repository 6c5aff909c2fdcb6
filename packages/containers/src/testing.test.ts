import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@hive/testkit';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  fakeJournalctlPath,
  fakeNixosContainerPath,
  fakeNixosEnv,
  fakeSystemctlPath,
  readFakeBuilds,
  readFakeContainer,
  readFakeLog,
  setFakeContainerStatus,
} from './testing.js';

/** What a host with flakes enabled passes; the fake, like nix, refuses flake builds without it. */
const FLAKES = { NIX_CONFIG: 'experimental-features = nix-command flakes' };

function fake(dir: string, args: string[], env: Record<string, string> = {}, cwd = dir) {
  return execa(fakeNixosContainerPath, args, { cwd, env: { ...fakeNixosEnv(dir), ...FLAKES, ...env }, reject: false });
}
const confOf = (dir: string, c: string) => readFileSync(path.join(fakeNixosEnv(dir).FAKE_NIXOS_CONTAINER_CONF_DIR, `${c}.conf`), 'utf8');

describe('the recording fakes', () => {
  it('are absolute paths to executables', () => {
    for (const p of [fakeNixosContainerPath, fakeJournalctlPath, fakeSystemctlPath]) {
      expect(path.isAbsolute(p)).toBe(true);
      accessSync(p, constants.X_OK);
    }
  });

  it('record argv faithfully, quotes, spaces and newlines included', async () => {
    const dir = tempDir();
    const odd = ['list', 'a "b" c', 'back\\slash', 'two\nlines', 'tab\there', 'ünï', '--flake', ''];
    await fake(dir, odd);
    expect(readFakeLog(fakeNixosEnv(dir).FAKE_NIXOS_CONTAINER_LOG)).toEqual([odd]);
  });

  it('write the conf nixos-container create writes: a private network on the first free 10.233.N pair, FLAKE without the attr', async () => {
    const dir = tempDir();
    const a = await fake(dir, ['create', 'h-a', '--flake', '/m#a']);
    expect([a.exitCode, a.stderr]).toEqual([0, 'host IP is 10.233.1.1, container IP is 10.233.1.2']);
    expect(confOf(dir, 'h-a')).toBe(
      ['PRIVATE_NETWORK=1', 'HOST_ADDRESS=10.233.1.1', 'LOCAL_ADDRESS=10.233.1.2', 'HOST_BRIDGE=', 'HOST_PORT=', 'AUTO_START=0', 'FLAKE=/m', ''].join('\n'),
    );
    await fake(dir, ['create', 'h-b', '--flake', '/m#b']);
    expect(confOf(dir, 'h-b')).toContain('HOST_ADDRESS=10.233.2.1\nLOCAL_ADDRESS=10.233.2.2\n');
    await fake(dir, ['destroy', 'h-a']);
    await fake(dir, ['create', 'h-c', '--flake', '/m#c']);
    expect(confOf(dir, 'h-c')).toContain('HOST_ADDRESS=10.233.1.1\n'); // a freed pair is reused
    expect((await fake(dir, ['list'])).stdout.split('\n')).toEqual(['h-b', 'h-c']);
  });

  it('apply the name rules in the order of the real script: invalid, already exists, too long, does not exist', async () => {
    const dir = tempDir();
    expect((await fake(dir, ['create', 'h-a', '--flake', '/m#a'])).exitCode).toBe(0);
    const again = await fake(dir, ['create', 'h-a', '--flake', '/m#a']);
    expect([again.exitCode, again.stderr]).toEqual([1, expect.stringMatching(/container ‘h-a’ already exists$/)]);
    expect((await fake(dir, ['create', 'h-a.b'])).stderr).toMatch(/invalid container name$/);
    expect((await fake(dir, ['create', 'h-abcdefghij'])).stderr).toMatch(/container name ‘h-abcdefghij’ is too long$/);
    expect((await fake(dir, ['create', 'h_abcdefgh'])).exitCode).toBe(0); // 11 characters, '_' allowed
    expect((await fake(dir, ['start', 'h-zz'])).stderr).toMatch(/container ‘h-zz’ does not exist$/);
    const status = await fake(dir, ['status', 'h-zz']);
    expect([status.exitCode, status.stdout]).toEqual([1, 'gone']);
    expect((await fake(dir, ['destroy', 'h-zz'])).exitCode).toBe(0); // destroying a missing container succeeds
    expect((await fake(dir, [])).stderr).toMatch(/no action specified/);
  });

  it('log the nix build the real script runs: out-link .tmp in the cwd, the flake attr path, no feature flag', async () => {
    const dir = tempDir();
    const cwd = tempDir();
    await fake(dir, ['create', 'h-a', '--flake', '/srv/meta#a'], {}, cwd);
    await fake(dir, ['update', 'h-a'], {}, cwd); // without --flake: the conf's FLAKE, attr "container"
    expect(readFakeBuilds(fakeNixosEnv(dir).FAKE_NIXOS_CONTAINER_BUILD_LOG)).toEqual([
      { cwd, nixConfig: FLAKES.NIX_CONFIG, argv: ['nix', 'build', '-o', '.tmp', '--', '/srv/meta#nixosConfigurations."a".config.system.build.toplevel'] },
      { cwd, nixConfig: FLAKES.NIX_CONFIG, argv: ['nix', 'build', '-o', '.tmp', '--', '/srv/meta#nixosConfigurations."container".config.system.build.toplevel'] },
    ]);
    expect(readFakeContainer(fakeNixosEnv(dir).FAKE_NIXOS_CONTAINER_STATE, 'h-a')!.system).toMatch(/-nixos-system-container$/);
  });

  it('fail a flake build as nix does when flakes are not enabled, leaving the conf behind like the real script', async () => {
    const dir = tempDir();
    const r = await fake(dir, ['create', 'h-a', '--flake', '/m#a'], { NIX_CONFIG: '' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/error: experimental Nix feature 'nix-command' is disabled/);
    expect(r.stderr).toMatch(/failed to build container from flake '\/m'$/);
    expect((await fake(dir, ['create', 'h-a', '--flake', '/m#a'])).stderr).toMatch(/already exists/);
    expect((await fake(dir, ['create', 'h-b', '--flake', '/m#b'], { NIX_CONFIG: '', FAKE_NIX_CONF: 'experimental-features = nix-command flakes' })).exitCode).toBe(0);
    expect((await fake(dir, ['create', 'h-c', '--flake', '/m#c'], { NIX_CONFIG: 'extra-experimental-features = nix-command flakes' })).exitCode).toBe(0);
  });

  it('hand one container the other one\'s system when two builds share a cwd, as the shared out-link does', async () => {
    const dir = tempDir();
    const shared = tempDir();
    const slow = { FAKE_NIXOS_CONTAINER_BUILD_SECONDS: '0.8' };
    await Promise.all([fake(dir, ['create', 'h-a', '--flake', '/m#a'], slow, shared), fake(dir, ['create', 'h-b', '--flake', '/m#b'], slow, shared)]);
    const state = fakeNixosEnv(dir).FAKE_NIXOS_CONTAINER_STATE;
    const systems = ['h-a', 'h-b'].map((c) => readFakeContainer(state, c)?.system ?? null);
    expect(systems).not.toEqual(['/nix/store/00000000000000000000000000000000-nixos-system-a', '/nix/store/00000000000000000000000000000000-nixos-system-b']);
  });

  it('reload a running container on update and keep the nspawn flags it started with until the next start', async () => {
    const dir = tempDir();
    const state = fakeNixosEnv(dir).FAKE_NIXOS_CONTAINER_STATE;
    await fake(dir, ['create', 'h-a', '--flake', '/m#a']);
    await fake(dir, ['update', 'h-a', '--flake', '/m#a']);
    expect(readFakeContainer(state, 'h-a')).toMatchObject({ status: 'down', reloads: 0, nspawn: null });
    await fake(dir, ['start', 'h-a']);
    expect(readFakeContainer(state, 'h-a')!.nspawn).toEqual(['--private-network', '--network-veth']);
    const file = path.join(fakeNixosEnv(dir).FAKE_NIXOS_CONTAINER_CONF_DIR, 'h-a.conf');
    writeFileSync(file, confOf(dir, 'h-a').replace('PRIVATE_NETWORK=1', 'PRIVATE_NETWORK=0').replace(/_ADDRESS=.*/g, '_ADDRESS=') + 'EXTRA_NSPAWN_FLAGS="--bind=/s:/state"\n');
    const u = await fake(dir, ['update', 'h-a', '--flake', '/m#a']);
    expect(u.stderr).toBe('reloading container...');
    expect(readFakeContainer(state, 'h-a')).toMatchObject({ status: 'up', reloads: 1, nspawn: ['--private-network', '--network-veth'] });
    await fake(dir, ['stop', 'h-a']);
    await fake(dir, ['start', 'h-a']);
    expect(readFakeContainer(state, 'h-a')!.nspawn).toEqual(['--bind=/s:/state']);
  });

  it('fail only the subcommands named in FAKE_NIXOS_CONTAINER_FAIL, and only FAKE_NIXOS_CONTAINER_FAIL_TIMES times', async () => {
    const dir = tempDir();
    await fake(dir, ['create', 'h-a', '--flake', '/m#a']);
    const env = { FAKE_NIXOS_CONTAINER_FAIL: 'update, start' };
    const r = await fake(dir, ['update', 'h-a', '--flake', '/m#a'], env);
    expect([r.exitCode, r.stderr]).toEqual([1, expect.stringMatching(/^building the system configuration\.\.\.\nerror: [\s\S]*failed to build container from flake '\/m'$/)]);
    expect((await fake(dir, ['start', 'h-a'], env)).exitCode).toBe(1);
    expect((await fake(dir, ['status', 'h-a'], env)).stdout).toBe('down');
    const once = { FAKE_NIXOS_CONTAINER_FAIL: 'create', FAKE_NIXOS_CONTAINER_FAIL_TIMES: '1' };
    expect((await fake(dir, ['create', 'h-b', '--flake', '/m#b'], once)).exitCode).toBe(1);
    await fake(dir, ['destroy', 'h-b']);
    expect((await fake(dir, ['create', 'h-b', '--flake', '/m#b'], once)).exitCode).toBe(0);
  });

  it('let a test flip a container down behind the runtime, with an exit code systemctl reports', async () => {
    const dir = tempDir();
    const env = fakeNixosEnv(dir);
    await fake(dir, ['create', 'h-a']);
    await fake(dir, ['start', 'h-a']);
    setFakeContainerStatus({ stateDir: env.FAKE_NIXOS_CONTAINER_STATE, container: 'h-a', status: 'down', exitCode: 9 });
    expect((await fake(dir, ['status', 'h-a'])).stdout).toBe('down');
    const sc = await execa(fakeSystemctlPath, ['show', 'container@h-a', '--property=ExecMainStatus', '--value'], { cwd: dir, env });
    expect(sc.stdout).toBe('9');
  });
});
