import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, git, tempDir } from '@hive/testkit';
import { runNix } from '@hive/core';
import { hostSystem, seedLocalHyperhive } from '@hive/metaflake';
import { fakeNixosEnv, fakeNixosContainerPath, fakeJournalctlPath, fakeSystemctlPath, readFakeBuilds, readFakeContainer, readFakeLog } from '@hive/containers/testing';
import { startDaemonProcess, hive, type DaemonProcess } from './test-support/daemon-process.js';

/** The daemon's lifecycle and approvals once more, on the nixos runtime with a recording nixos-container. */
describe('nixos runtime (recording fake nixos-container)', () => {
  let d: DaemonProcess;
  let fakes: ReturnType<typeof fakeNixosEnv>;
  let stateDir: string;
  let meta: string;
  const calls = () => readFakeLog(fakes.FAKE_NIXOS_CONTAINER_LOG, { ignore: ['status', 'list'] });
  const conf = (c: string) => readFileSync(path.join(fakes.FAKE_NIXOS_CONTAINER_CONF_DIR, `${c}.conf`), 'utf8');
  const container = (c: string) => readFakeContainer(fakes.FAKE_NIXOS_CONTAINER_STATE, c);
  const evalMeta = async (attr: string) =>
    JSON.parse((await runNix(['eval', '--json', `${meta}#nixosConfigurations.${attr}`], { cwd: meta })).stdout) as unknown;

  async function startWith(extra: Record<string, string> = {}) {
    return startDaemonProcess({
      stateDir,
      env: {
        ...fakes,
        ...extra,
        HIVE_RUNTIME: 'nixos',
        HIVE_NIXOS_CONTAINER_BIN: fakeNixosContainerPath,
        HIVE_JOURNALCTL_BIN: fakeJournalctlPath,
        HIVE_SYSTEMCTL_BIN: fakeSystemctlPath,
        HIVE_NIXOS_CONF_DIR: fakes.FAKE_NIXOS_CONTAINER_CONF_DIR,
        HIVE_HYPERHIVE_URL: (await seedLocalHyperhive(path.join(stateDir, '..', 'hyperhive-src'))).url,
      },
    });
  }

  beforeAll(async () => {
    const dir = tempDir('hive-nixos-e2e-');
    fakes = fakeNixosEnv(dir);
    stateDir = path.join(dir, 'state');
    meta = path.join(stateDir, 'meta');
    d = await startWith();
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('spawns the manager with create --flake <meta>#hm1nd then start', () => {
    expect(calls()).toEqual([
      ['create', 'h-hm1nd', '--flake', `${meta}#hm1nd`],
      ['start', 'h-hm1nd'],
    ]);
    const flags = conf('h-hm1nd');
    // The host network the seed's ports assume: nixos-container's private pair is undone right after create.
    expect(flags).toMatch(/^PRIVATE_NETWORK=0\nHOST_ADDRESS=\nLOCAL_ADDRESS=\n/);
    expect(container('h-hm1nd')!.nspawn).not.toContain('--private-network');
    expect(flags).toContain(`--bind=${stateDir}/agents:/agents`);
    expect(flags).toContain(`--bind-ro=${stateDir}/applied:/applied`);
    expect(flags).toContain(`--bind-ro=${stateDir}/meta:/meta`);
    expect(flags).toContain(`--bind=${stateDir}/state/hm1nd:/state`);
  });

  it("builds the manager with flakes enabled, for this host's system, with its name in the harness service", async () => {
    const [build] = readFakeBuilds(fakes.FAKE_NIXOS_CONTAINER_BUILD_LOG);
    expect(build!.argv).toEqual(['nix', 'build', '-o', '.tmp', '--', `${meta}#nixosConfigurations."hm1nd".config.system.build.toplevel`]);
    expect(build!.nixConfig).toContain('extra-experimental-features = nix-command flakes');
    expect(build!.cwd).not.toBe('/');
    expect(await evalMeta('hm1nd.pkgs.system')).toBe(hostSystem());
    expect(await evalMeta('hm1nd.config.hive.managerName')).toBe('hm1nd');
    expect(await evalMeta('hm1nd.config.systemd.services.hive-harness.environment.HIVE_MANAGER_NAME')).toBe('hm1nd');
  });

  it('spawn, rebuild, approve and destroy drive the exact argv sequence', async () => {
    const n0 = calls().length;
    expect((await hive(['spawn', 'coder'], d.env)).code).toBe(0);
    const file = path.join(fakes.FAKE_NIXOS_CONTAINER_CONF_DIR, 'h-coder.conf');
    appendFileSync(file, 'MY_SETTING=keep-me\n');
    expect((await hive(['rebuild', 'coder'], d.env)).code).toBe(0);
    expect(conf('h-coder')).toContain('MY_SETTING=keep-me');
    expect(conf('h-coder')).toMatch(/^PRIVATE_NETWORK=0\nHOST_ADDRESS=\nLOCAL_ADDRESS=\n/);
    expect(container('h-coder')!.nspawn).toEqual([`--bind=${stateDir}/state/coder:/state`]); // host network, its one bind
    expect(conf('h-coder')).toContain(`--bind=${stateDir}/state/coder:/state`);
    expect(conf('h-coder')).not.toContain('/applied');

    const proposed = path.join(stateDir, 'agents', 'coder', 'config');
    // healthTimeout 0: the fake containers run no harness to answer the health gate.
    const agentNix = readFileSync(path.join(proposed, 'agent.nix'), 'utf8').replace(
      /\}\s*$/,
      '  hive.limits = { memoryMax = "2G"; tasksMax = 256; };\n  hive.healthTimeout = 0;\n}\n',
    );
    const sha = await commitFiles(proposed, { 'extra.nix': '{ }\n', 'agent.nix': agentNix }, 'add extra.nix, limits');
    const id = Number((await hive(['request-apply', 'coder', sha], d.env)).stdout.trim());
    const ok = await hive(['approve', String(id)], d.env);
    expect(ok.code, ok.stderr).toBe(0);
    // The approved hive.limits, on the host's container unit.
    expect(container('h-coder')!.properties).toEqual({ MemoryMax: '2G', CPUQuota: '', TasksMax: '256' });
    expect(container('h-coder')!.reloads).toBeGreaterThan(0); // running: update reloads it
    expect((await git(meta, ['log', '-1', '--format=%s'])).trim()).toBe(`deploy coder deployed/${id} ${sha.slice(0, 12)}`);
    expect((await hive(['destroy', 'coder'], d.env)).code).toBe(0);

    const flake = `${meta}#coder`;
    expect(calls().slice(n0)).toEqual([
      ['create', 'h-coder', '--flake', flake],
      ['start', 'h-coder'],
      ['update', 'h-coder', '--flake', flake],
      ['update', 'h-coder', '--flake', flake],
      ['destroy', 'h-coder'],
    ]);
  });

  it('a spawn whose create failed can be retried: the half-created container is gone', async () => {
    await d.stop();
    d = await startWith({ FAKE_NIXOS_CONTAINER_FAIL: 'create', FAKE_NIXOS_CONTAINER_FAIL_TIMES: '1' });
    const first = await hive(['spawn', 'atlas'], d.env);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain("error: The option `hive.bogus' does not exist");
    expect(existsSync(path.join(fakes.FAKE_NIXOS_CONTAINER_CONF_DIR, 'h-atlas.conf'))).toBe(false);
    const retry = await hive(['spawn', 'atlas'], d.env);
    expect(retry.code, retry.stderr).toBe(0);
    expect(container('h-atlas')!.status).toBe('up');
    expect((await hive(['destroy', 'atlas'], d.env)).code).toBe(0);
  });

  it("a failing nixos-container update fails the approval with nix's stderr", async () => {
    await d.stop();
    d = await startWith({ FAKE_NIXOS_CONTAINER_FAIL: 'update' });
    expect((await hive(['spawn', 'coder'], d.env)).code).toBe(0);
    const proposed = path.join(stateDir, 'agents', 'coder', 'config');
    const sha = await commitFiles(proposed, { 'more.nix': '{ }\n' }, 'more');
    const id = Number((await hive(['request-apply', 'coder', sha], d.env)).stdout.trim());
    const r = await hive(['approve', String(id)], d.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: The option `hive.bogus' does not exist");
    const note = await git(path.join(stateDir, 'applied', 'coder'), ['tag', '-l', '--format=%(contents)', `failed/${id}`]);
    expect(note).toContain('hive.bogus');
    expect((await git(meta, ['status', '--porcelain'])).trim()).toBe('');
  });

  it('after a daemon killed mid-build, recovery puts the running container back on the deployed config', async () => {
    await d.stop();
    d = await startWith();
    const before = container('h-coder')!.reloads;
    const proposed = path.join(stateDir, 'agents', 'coder', 'config');
    const agentNix = readFileSync(path.join(stateDir, 'applied', 'coder', 'agent.nix'), 'utf8').replace(/\}\s*$/, '  hive.healthTimeout = 0;\n  hive.env.MARK = "never-deployed";\n}\n');
    const sha = await commitFiles(proposed, { 'agent.nix': agentNix, 'more.nix': '{ }\n' }, 'never deployed');
    await d.stop();
    d = await startWith({ HIVE_FAULT_AT: 'build' });
    const id = Number((await hive(['request-apply', 'coder', sha], d.env)).stdout.trim());
    expect((await hive(['approve', String(id)], d.env)).code).toBe(1); // the daemon died under it
    await d.proc;
    // The container outlived the daemon, switched (reloaded) to the build that was never deployed.
    expect(container('h-coder')!.reloads).toBe(before + 1);
    const builds = readFakeBuilds(fakes.FAKE_NIXOS_CONTAINER_BUILD_LOG).length;
    d = await startWith();
    const a = JSON.parse((await hive(['approvals', '--json'], d.env)).stdout).find((x: { id: number }) => x.id === id);
    expect(a).toMatchObject({ status: 'failed', terminal_tag: `failed/${id}` });
    // Recovery built main's config again and switched the container back to it.
    expect(container('h-coder')!.reloads).toBe(before + 2);
    expect(readFakeBuilds(fakes.FAKE_NIXOS_CONTAINER_BUILD_LOG).length).toBe(builds + 1);
    expect(container('h-coder')!.status).toBe('up');
  }, 120_000);
});

/** The operator's other networking choice: each container on nixos-container's private veth pair. */
describe('nixos runtime on a private container network (HIVE_NIXOS_NETWORK=private)', () => {
  it('keeps the private pair, tells the harness, builds for HIVE_SYSTEM, and refuses a loopback bind in one line', async () => {
    const dir = tempDir('hive-nixos-priv-');
    const fakes = fakeNixosEnv(dir);
    const stateDir = path.join(dir, 'state');
    const env = {
      ...fakes,
      HIVE_RUNTIME: 'nixos',
      HIVE_NIXOS_NETWORK: 'private',
      HIVE_SYSTEM: 'aarch64-linux',
      HIVE_NIXOS_CONTAINER_BIN: fakeNixosContainerPath,
      HIVE_JOURNALCTL_BIN: fakeJournalctlPath,
      HIVE_SYSTEMCTL_BIN: fakeSystemctlPath,
      HIVE_NIXOS_CONF_DIR: fakes.FAKE_NIXOS_CONTAINER_CONF_DIR,
      HIVE_HYPERHIVE_URL: (await seedLocalHyperhive(path.join(dir, 'hyperhive-src'))).url,
    };
    const loopback = await hive(['up', '--port', '0'], { ...env, HIVE_STATE_DIR: stateDir });
    expect(loopback.code).toBe(2);
    expect(loopback.stderr).toContain('a private container network needs the daemon reachable from the containers: HIVE_BIND=0.0.0.0');
    const d = await startDaemonProcess({ stateDir, env: { ...env, HIVE_BIND: '0.0.0.0' } });
    try {
      const conf = readFileSync(path.join(fakes.FAKE_NIXOS_CONTAINER_CONF_DIR, 'h-hm1nd.conf'), 'utf8');
      expect(conf).toMatch(/^PRIVATE_NETWORK=1$/m);
      expect(conf).toMatch(/^LOCAL_ADDRESS=10\.233\.\d+\.2$/m);
      const meta = path.join(stateDir, 'meta');
      const evalMeta = async (attr: string) => JSON.parse((await runNix(['eval', '--json', `${meta}#nixosConfigurations.${attr}`], { cwd: meta })).stdout) as unknown;
      expect(await evalMeta('hm1nd.config.hive.privateNetwork')).toBe(true);
      expect(await evalMeta('hm1nd.pkgs.system')).toBe('aarch64-linux');
    } finally {
      await d.stop();
    }
  }, 120_000);
});
