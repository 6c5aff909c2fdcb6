import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@hive/testkit';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { fakeJournalctlPath, fakeNixosContainerPath, fakeNixosEnv, fakeSystemctlPath, readFakeLog, setFakeContainerStatus } from './testing.js';

function fake(dir: string, args: string[], env: Record<string, string> = {}) {
  return execa(fakeNixosContainerPath, args, { cwd: dir, env: { ...fakeNixosEnv(dir), ...env }, reject: false });
}

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

  it('behave like nixos-container on name clashes, long names and missing containers', async () => {
    const dir = tempDir();
    expect((await fake(dir, ['create', 'h-a', '--flake', '/m#a'])).exitCode).toBe(0);
    const again = await fake(dir, ['create', 'h-a', '--flake', '/m#a']);
    expect([again.exitCode, again.stderr]).toEqual([1, expect.stringMatching(/already exists/)]);
    expect((await fake(dir, ['create', 'h-abcdefghij'])).stderr).toMatch(/too long/);
    expect((await fake(dir, ['start', 'h-zz'])).stderr).toMatch(/container ‘h-zz’ does not exist/);
    expect(readFileSync(path.join(fakeNixosEnv(dir).FAKE_NIXOS_CONTAINER_CONF_DIR, 'h-a.conf'), 'utf8')).toMatch(/^PRIVATE_NETWORK=0\n[\s\S]*FLAKE=\/m#a\n$/);
  });

  it('fail only the subcommands named in FAKE_NIXOS_CONTAINER_FAIL, changing nothing', async () => {
    const dir = tempDir();
    await fake(dir, ['create', 'h-a', '--flake', '/m#a']);
    const env = { FAKE_NIXOS_CONTAINER_FAIL: 'update, start' };
    const r = await fake(dir, ['update', 'h-a', '--flake', '/m#a'], env);
    expect([r.exitCode, r.stderr]).toEqual([1, expect.stringMatching(/^building the system configuration\.\.\.\nerror: /)]);
    expect((await fake(dir, ['start', 'h-a'], env)).exitCode).toBe(1);
    expect((await fake(dir, ['status', 'h-a'], env)).stdout).toBe('down');
    expect((await fake(dir, [], env)).stderr).toMatch(/unknown action/);
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
