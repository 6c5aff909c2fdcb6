import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidNameError } from '@hive/core';
import { snapshotTree, tempDir } from '@hive/testkit';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { BuildError, ContainerToolNotFoundError, InvalidFlakeRefError, InvalidLimitError } from './errors.js';
import type { ContainerLimits } from './nixos/limits.js';
import { NixosRuntime, type NixosRuntimeOptions } from './nixos-runtime.js';
import { readNspawnFlags } from './nspawn-conf.js';
import type { CrashInfo, RuntimeAgent } from './runtime.js';
import {
  fakeNixosContainerPath,
  fakeNixosRuntimeOptions,
  readFakeBuilds,
  readFakeContainer,
  readFakeLog,
  setFakeContainerStatus,
} from './testing.js';

const runtimes: NixosRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.shutdown()));
});

function setup(extra: Partial<NixosRuntimeOptions> = {}) {
  const dir = tempDir('hive-nixos-');
  const stateRoot = path.join(dir, 'hive');
  const fake = fakeNixosRuntimeOptions(dir);
  // No meta flake here to read hive.limits from; the limits tests pass their own.
  const limitsOf = async () => null;
  const runtime = new NixosRuntime({ ...fake, stateRoot, pollIntervalMs: 0, limitsOf, ...extra, env: { ...fake.env, ...extra.env } });
  runtimes.push(runtime);
  const calls = (o?: { ignore?: string[] }) => readFakeLog(fake.env.FAKE_NIXOS_CONTAINER_LOG, o);
  const container = (c: string) => readFakeContainer(fake.env.FAKE_NIXOS_CONTAINER_STATE, c);
  const builds = () => readFakeBuilds(fake.env.FAKE_NIXOS_CONTAINER_BUILD_LOG);
  return { dir, stateRoot, runtime, env: fake.env, confDir: fake.confDir, calls, container, builds };
}

function agent(stateRoot: string, name: string, isManager = false): RuntimeAgent {
  return {
    name,
    port: isManager ? 8000 : 8202,
    isManager,
    env: {},
    flakeRef: `${stateRoot}/meta#${name}`,
    appliedDir: `${stateRoot}/applied/${name}`,
    stateDir: `${stateRoot}/state/${name}`,
  };
}

describe('NixosRuntime lifecycle', () => {
  it('runs create → start → update → stop → destroy as exactly these nixos-container calls', async () => {
    const { stateRoot, runtime, calls } = setup();
    const m = agent(stateRoot, 'hm1nd', true);
    await runtime.create(m);
    await runtime.start(m);
    await runtime.update(m);
    await runtime.stop('hm1nd');
    await runtime.destroy('hm1nd');
    expect(calls()).toEqual([
      ['create', 'h-hm1nd', '--flake', `${stateRoot}/meta#hm1nd`],
      ['start', 'h-hm1nd'],
      ['update', 'h-hm1nd', '--flake', `${stateRoot}/meta#hm1nd`],
      ['stop', 'h-hm1nd'],
      ['destroy', 'h-hm1nd'],
    ]);
  });

  it('writes the manager binds into the conf nixos-container created, and keeps them and its lines across a rebuild', async () => {
    const { stateRoot, runtime, confDir } = setup();
    const m = agent(stateRoot, 'hm1nd', true);
    await runtime.create(m);
    const file = path.join(confDir, 'h-hm1nd.conf');
    expect(runtime.confFile('hm1nd')).toBe(file);
    const expected = [
      `--bind=${stateRoot}/agents:/agents`,
      `--bind-ro=${stateRoot}/applied:/applied`,
      `--bind-ro=${stateRoot}/meta:/meta`,
      `--bind=${stateRoot}/state/hm1nd:/state`,
    ];
    expect(await readNspawnFlags(file)).toEqual(expected);
    const afterCreate = readFileSync(file, 'utf8');
    expect(afterCreate.split('\n').slice(0, 7)).toEqual(['PRIVATE_NETWORK=0', 'HOST_ADDRESS=', 'LOCAL_ADDRESS=', 'HOST_BRIDGE=', 'HOST_PORT=', 'AUTO_START=0', `FLAKE=${stateRoot}/meta`]);
    await runtime.update(m);
    await runtime.update(m);
    expect(readFileSync(file, 'utf8')).toBe(afterCreate);
    for (const d of ['agents', 'applied', 'meta', 'state/hm1nd']) expect(existsSync(path.join(stateRoot, d))).toBe(true);
  });

  it('gives a plain agent only its own state bind and creates that dir', async () => {
    const { stateRoot, runtime, confDir } = setup();
    await runtime.create(agent(stateRoot, 'coder'));
    expect(await readNspawnFlags(path.join(confDir, 'h-coder.conf'))).toEqual([`--bind=${stateRoot}/state/coder:/state`]);
    expect(existsSync(path.join(stateRoot, 'state', 'coder'))).toBe(true);
    expect(existsSync(path.join(stateRoot, 'agents'))).toBe(false);
  });

  it('reports status, lists only h-* containers without the prefix, and treats a vanished container as absent', async () => {
    const { stateRoot, runtime, env } = setup();
    expect(await runtime.status('coder')).toBe('absent');
    await runtime.create(agent(stateRoot, 'coder'));
    expect(await runtime.status('coder')).toBe('stopped');
    await runtime.start(agent(stateRoot, 'coder'));
    expect(await runtime.status('coder')).toBe('running');
    await runtime.create(agent(stateRoot, 'atlas'));
    await execa(fakeNixosContainerPath, ['create', 'webserver'], { cwd: '/', env });
    expect(await runtime.list()).toEqual(['atlas', 'coder']);
    await runtime.destroy('atlas');
    await runtime.destroy('atlas'); // already gone: still destroyed
    expect(await runtime.status('atlas')).toBe('absent');
    expect(await runtime.list()).toEqual(['coder']);
  });

  it('reads logs with journalctl -M h-<n> -n <lines> --no-pager', async () => {
    const { stateRoot, runtime, env } = setup();
    await runtime.create(agent(stateRoot, 'coder'));
    await runtime.start(agent(stateRoot, 'coder'));
    const text = await runtime.logs('coder', { lines: 5 });
    expect(text).toMatch(/h-coder Started container/);
    expect(readFakeLog(env.FAKE_JOURNALCTL_LOG)).toEqual([['-M', 'h-coder', '-n', '5', '--no-pager']]);
  });
});

describe('NixosRuntime build failures', () => {
  it('turns a failed update into BuildError carrying nix stderr, after writing the flags', async () => {
    const stderr = 'building...\nerror: attribute \'hive\' missing\n       at /meta/flake.nix:12:5\n';
    const { stateRoot, runtime, calls } = setup({ env: { FAKE_NIXOS_CONTAINER_FAIL: 'update', FAKE_NIXOS_CONTAINER_STDERR: stderr } });
    const c = agent(stateRoot, 'coder');
    await runtime.create(c);
    const err = await runtime.update(c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    const b = err as BuildError;
    expect([b.code, b.agent]).toEqual(['BUILD_FAILED', 'coder']);
    expect(b.message).toBe("error: attribute 'hive' missing");
    // nix's text, then the line nixos-container.pl dies with.
    expect(b.stderr).toBe(`${stderr}${fakeNixosContainerPath}: failed to build container from flake '${stateRoot}/meta'`);
    expect(calls().map((a) => a[0])).toEqual(['create', 'update']);
  });

  it("uses the fake's default nix-like error when no text is given, and fails create the same way", async () => {
    const { stateRoot, runtime } = setup({ env: { FAKE_NIXOS_CONTAINER_FAIL: 'create' } });
    const err = (await runtime.create(agent(stateRoot, 'coder')).catch((e: unknown) => e)) as BuildError;
    expect(err).toBeInstanceOf(BuildError);
    expect(err.message).toMatch(/^error: The option `hive\.bogus' does not exist/);
    expect(err.stderr).toMatch(/show-trace/);
  });

  it('removes the conf a failed create leaves behind, so the retry creates the container', async () => {
    const { stateRoot, runtime, calls, confDir } = setup({ env: { FAKE_NIXOS_CONTAINER_FAIL: 'create', FAKE_NIXOS_CONTAINER_FAIL_TIMES: '1' } });
    const c = agent(stateRoot, 'coder');
    await expect(runtime.create(c)).rejects.toThrow(BuildError);
    expect(existsSync(path.join(confDir, 'h-coder.conf'))).toBe(false);
    expect(await runtime.status('coder')).toBe('absent');
    await runtime.create(c);
    await runtime.start(c);
    expect(await runtime.status('coder')).toBe('running');
    expect(calls({ ignore: ['status'] }).map((a) => a.slice(0, 2))).toEqual([
      ['create', 'h-coder'],
      ['destroy', 'h-coder'],
      ['create', 'h-coder'],
      ['start', 'h-coder'],
    ]);
  });

  it('leaves an existing container alone when create fails because it already exists', async () => {
    const { stateRoot, runtime, calls, confDir } = setup();
    const c = agent(stateRoot, 'coder');
    await runtime.create(c);
    const err = (await runtime.create(c).catch((e: unknown) => e)) as BuildError;
    expect(err.message).toMatch(/container ‘h-coder’ already exists/);
    expect(calls().map((a) => a[0])).toEqual(['create', 'create']);
    expect(existsSync(path.join(confDir, 'h-coder.conf'))).toBe(true);
  });

  it('says which tool is missing when the binary is not installed', async () => {
    const { runtime } = setup({ nixosContainerBin: '/nonexistent/nixos-container' });
    await expect(runtime.list()).rejects.toThrow(ContainerToolNotFoundError);
    await expect(runtime.list()).rejects.toThrow(/\/nonexistent\/nixos-container not found/);
  });
});

describe('NixosRuntime networking', () => {
  it('puts containers on the host network by default: PRIVATE_NETWORK=0, no addresses, no veth at start', async () => {
    const { stateRoot, runtime, confDir, container } = setup();
    const c = agent(stateRoot, 'coder');
    await runtime.create(c);
    const text = readFileSync(path.join(confDir, 'h-coder.conf'), 'utf8');
    expect(text).toMatch(/^PRIVATE_NETWORK=0\nHOST_ADDRESS=\nLOCAL_ADDRESS=\n/);
    expect(await runtime.addresses('coder')).toEqual({ privateNetwork: false, hostAddress: null, localAddress: null });
    await runtime.start(c);
    expect(container('h-coder')!.nspawn).toEqual([`--bind=${stateRoot}/state/coder:/state`]);
  });

  it('keeps the private veth pair nixos-container allocated when network is private, one pair per container', async () => {
    const { stateRoot, runtime, container } = setup({ network: 'private' });
    const m = agent(stateRoot, 'hm1nd', true);
    const c = agent(stateRoot, 'coder');
    await runtime.create(m);
    await runtime.create(c);
    expect(await runtime.addresses('hm1nd')).toEqual({ privateNetwork: true, hostAddress: '10.233.1.1', localAddress: '10.233.1.2' });
    expect(await runtime.addresses('coder')).toEqual({ privateNetwork: true, hostAddress: '10.233.2.1', localAddress: '10.233.2.2' });
    await runtime.update(c);
    await runtime.start(c);
    expect(container('h-coder')!.nspawn).toEqual(['--private-network', '--network-veth', `--bind=${stateRoot}/state/coder:/state`]);
    expect(await runtime.addresses('atlas')).toBeNull();
  });

  it('moves a container created on a private network to the host network at its next start, not at a reload', async () => {
    const { stateRoot, runtime, container, env } = setup();
    const c = agent(stateRoot, 'coder');
    // A container the tool created as it does by itself (private), before this runtime took it over.
    await execa(fakeNixosContainerPath, ['create', 'h-coder', '--flake', c.flakeRef], { env: { ...env, NIX_CONFIG: 'experimental-features = nix-command flakes' } });
    await runtime.start(c);
    expect(container('h-coder')!.nspawn).toEqual(['--private-network', '--network-veth']);
    const lines: string[] = [];
    const r2 = new NixosRuntime({ ...fakeNixosRuntimeOptions(path.dirname(stateRoot)), stateRoot, pollIntervalMs: 0, limitsOf: async () => null, log: (l) => lines.push(l) });
    runtimes.push(r2);
    await r2.update(c);
    expect(lines).toEqual(['h-coder.conf changed: the new network and binds apply at its next start']);
    expect(container('h-coder')).toMatchObject({ reloads: 1, nspawn: ['--private-network', '--network-veth'] });
    await r2.stop('coder');
    await r2.start(c);
    expect(container('h-coder')!.nspawn).toEqual([`--bind=${stateRoot}/state/coder:/state`]);
  });

  it('refuses an unknown network mode', () => {
    expect(() => setup({ network: 'bridge' as 'host' })).toThrow(/unknown nixos network mode "bridge": use host or private/);
  });
});

describe('NixosRuntime builds', () => {
  it('enables flakes for the build nixos-container runs, keeping the NIX_CONFIG it was given', async () => {
    const { stateRoot, runtime, builds } = setup({ env: { NIX_CONFIG: 'max-jobs = 2' } });
    await runtime.create(agent(stateRoot, 'coder'));
    expect(builds()).toEqual([
      {
        cwd: expect.any(String),
        nixConfig: 'max-jobs = 2\nextra-experimental-features = nix-command flakes',
        argv: ['nix', 'build', '-o', '.tmp', '--', `${stateRoot}/meta#nixosConfigurations."coder".config.system.build.toplevel`],
      },
    ]);
  });

  it('gives every call its own working dir, so two concurrent builds never share the .tmp out-link', async () => {
    const { stateRoot, runtime, builds, container } = setup({ env: { FAKE_NIXOS_CONTAINER_BUILD_SECONDS: '0.5' } });
    const a = agent(stateRoot, 'coder');
    const b = agent(stateRoot, 'atlas');
    await Promise.all([runtime.create(a), runtime.create(b)]);
    await Promise.all([runtime.update(a), runtime.update(b)]);
    expect(container('h-coder')!.system).toMatch(/-nixos-system-coder$/);
    expect(container('h-atlas')!.system).toMatch(/-nixos-system-atlas$/);
    const cwds = builds().map((x) => x.cwd);
    expect(new Set(cwds).size).toBe(4);
    for (const cwd of cwds) {
      expect(cwd).not.toBe('/');
      expect(existsSync(cwd)).toBe(false); // removed after the call
    }
  });

  it('reloads a running container on update', async () => {
    const { stateRoot, runtime, container } = setup();
    const c = agent(stateRoot, 'coder');
    await runtime.create(c);
    await runtime.update(c);
    expect(container('h-coder')!.reloads).toBe(0);
    await runtime.start(c);
    await runtime.update(c);
    expect(container('h-coder')).toMatchObject({ status: 'up', reloads: 1 });
  });
});

describe('NixosRuntime limits', () => {
  it("sets hive.limits on the container unit after each build, resetting the ones no longer set", async () => {
    let limits: ContainerLimits = { MemoryMax: '2G', CPUQuota: '50%', TasksMax: 512 };
    const { stateRoot, runtime, env, container } = setup({ limitsOf: async () => limits });
    const c = agent(stateRoot, 'coder');
    await runtime.create(c);
    expect(container('h-coder')!.properties).toEqual({ MemoryMax: '2G', CPUQuota: '50%', TasksMax: '512' });
    limits = { MemoryMax: '512M' };
    await runtime.update(c);
    expect(container('h-coder')!.properties).toEqual({ MemoryMax: '512M', CPUQuota: '', TasksMax: 'infinity' });
    expect(readFakeLog(env.FAKE_SYSTEMCTL_LOG)).toEqual([
      ['set-property', 'container@h-coder.service', 'MemoryMax=2G', 'CPUQuota=50%', 'TasksMax=512'],
      ['set-property', 'container@h-coder.service', 'MemoryMax=512M', 'CPUQuota=', 'TasksMax=infinity'],
    ]);
  });

  it('refuses a limit value that could smuggle a directive into the drop-in, after the build and before systemctl', async () => {
    const { stateRoot, runtime, env } = setup({ limitsOf: async () => ({ MemoryMax: '2G\nExecStartPre=/bin/sh' }) });
    await expect(runtime.create(agent(stateRoot, 'coder'))).rejects.toThrow(InvalidLimitError);
    expect(readFakeLog(env.FAKE_SYSTEMCTL_LOG)).toEqual([]);
  });

  it('logs limits it cannot read and keeps the build', async () => {
    const lines: string[] = [];
    const { stateRoot, runtime } = setup({ log: (l) => lines.push(l), limitsOf: async () => Promise.reject(new Error('error: flake has no nixosConfigurations\nmore')) });
    await runtime.create(agent(stateRoot, 'coder'));
    expect(lines).toEqual(['limits of h-coder not applied: error: flake has no nixosConfigurations']);
    expect(await runtime.status('coder')).toBe('stopped');
  });
});

describe('NixosRuntime input checks', () => {
  it.each(['..', '/x', 'A', '-a', 'abcdefghij', '../x'])('refuses the name %j before running anything or touching disk', async (name) => {
    const { dir, stateRoot, runtime, calls, env } = setup();
    const before = await snapshotTree(dir);
    const a = { ...agent(stateRoot, 'coder'), name };
    for (const op of [
      () => runtime.create(a),
      () => runtime.update(a),
      () => runtime.start(a),
      () => runtime.stop(name),
      () => runtime.destroy(name),
      () => runtime.status(name),
      () => runtime.logs(name),
    ])
      await expect(op()).rejects.toThrow(InvalidNameError);
    expect(calls()).toEqual([]);
    expect(readFakeLog(env.FAKE_JOURNALCTL_LOG)).toEqual([]);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it.each(['', '--impure', '/meta', '/meta#', 'a b#c'])('refuses the flake ref %j before running anything', async (flakeRef) => {
    const { dir, stateRoot, runtime, calls } = setup();
    const before = await snapshotTree(dir);
    await expect(runtime.create({ ...agent(stateRoot, 'coder'), flakeRef })).rejects.toThrow(InvalidFlakeRefError);
    await expect(runtime.update({ ...agent(stateRoot, 'coder'), flakeRef })).rejects.toThrow(InvalidFlakeRefError);
    expect(calls()).toEqual([]);
    expect(await snapshotTree(dir)).toEqual(before);
  });
});

describe('NixosRuntime crash detection', () => {
  function crashes(runtime: NixosRuntime) {
    const seen: { name: string; info: CrashInfo }[] = [];
    runtime.onCrash((name, info) => seen.push({ name, info }));
    return seen;
  }

  it('reports a container that stops behind its back, with exit code and journal tail', async () => {
    const { stateRoot, runtime, env } = setup({ pollIntervalMs: 40 });
    const seen = crashes(runtime);
    const c = agent(stateRoot, 'coder');
    await runtime.create(c);
    await runtime.start(c);
    setFakeContainerStatus({ stateDir: env.FAKE_NIXOS_CONTAINER_STATE, container: 'h-coder', status: 'down', exitCode: 137 });
    await expect.poll(() => seen.length, { timeout: 5000 }).toBe(1);
    expect(seen[0]!.name).toBe('coder');
    expect(seen[0]!.info.code).toBe(137);
    expect(seen[0]!.info.tail).toMatch(/Started container/);
    expect(readFakeLog(env.FAKE_SYSTEMCTL_LOG)).toContainEqual(['show', 'container@h-coder', '--property=ExecMainStatus', '--value']);
    expect(await runtime.status('coder')).toBe('crashed');
    await runtime.start(c);
    expect(await runtime.status('coder')).toBe('running');
    expect(seen).toHaveLength(1);
  });

  it('stays quiet when the container was stopped or destroyed through the runtime', async () => {
    const { stateRoot, runtime } = setup({ pollIntervalMs: 0 });
    const seen = crashes(runtime);
    const c = agent(stateRoot, 'coder');
    const d = agent(stateRoot, 'atlas');
    for (const a of [c, d]) {
      await runtime.create(a);
      await runtime.start(a);
    }
    await runtime.pollNow();
    await runtime.stop('coder');
    await runtime.destroy('atlas');
    await runtime.pollNow();
    await runtime.pollNow();
    expect(seen).toEqual([]);
    expect(await runtime.status('coder')).toBe('stopped');
  });

  it('detects a crash after a restart that followed a deliberate stop', async () => {
    const { stateRoot, runtime, env } = setup({ pollIntervalMs: 0 });
    const seen = crashes(runtime);
    const c = agent(stateRoot, 'coder');
    await runtime.create(c);
    await runtime.start(c);
    await runtime.pollNow();
    await runtime.stop('coder');
    await runtime.pollNow();
    await runtime.start(c);
    await runtime.pollNow();
    setFakeContainerStatus({ stateDir: env.FAKE_NIXOS_CONTAINER_STATE, container: 'h-coder', status: 'down', exitCode: 1 });
    await runtime.pollNow();
    await expect.poll(() => seen.map((s) => s.name)).toEqual(['coder']);
  });
});
