import { beforeAll, describe, expect, it } from 'vitest';
import { runNix } from '@hive/core';
import { DEFAULT_SYSTEM, agentsForMeta, hostSystem, lockUpdateForRebuild, syncAgents } from './index.js';
import { evalHive } from './test-support/eval-hive.js';
import { seedAppliedAgent } from './testing.js';
import { makeHive, type Hive } from './test-support/fixture.js';

interface Seen {
  port: string;
  label: string;
  dashboard: string;
  name: string;
  isManager: string;
  managerName: string;
  hostName: string;
  gitUser: { name: string; email: string };
  model: string;
  hivePort: number;
  harnessEnv: Record<string, string>;
}

// What each nixosConfiguration's config holds, read with one real `nix eval` against the stub nixpkgs.
const APPLY = `cs: builtins.mapAttrs (n: c: let v = c.config.environment.variables; in {
  port = v.HIVE_PORT; label = v.HIVE_LABEL; dashboard = v.HIVE_DASHBOARD_PORT; name = v.HIVE_NAME;
  isManager = v.HIVE_IS_MANAGER; managerName = v.HIVE_MANAGER_NAME;
  hostName = c.config.networking.hostName; gitUser = c.config.programs.git.config.user;
  model = c.config.hive.model; hivePort = c.config.hive.port;
  harnessEnv = c.config.systemd.services.hive-harness.environment;
}) cs`;

describe('the rendered meta flake evaluates with real nix (stub nixpkgs)', () => {
  let h: Hive;
  let seen: Record<string, Seen>;
  beforeAll(async () => {
    h = await makeHive();
    await h.agent('hm1nd', 'opus');
    await h.agent('coder', 'sonnet');
    await h.agent('iris', 'haiku');
    await syncAgents({ ...h.o, agents: h.specs('hm1nd', 'coder', 'iris') });
    const { stdout } = await runNix(['eval', '--json', `${h.o.metaDir}#nixosConfigurations`, '--apply', APPLY], { cwd: h.o.metaDir });
    seen = JSON.parse(stdout) as Record<string, Seen>;
  });

  it('has one configuration per agent', () => {
    expect(Object.keys(seen).sort()).toEqual(['coder', 'hm1nd', 'iris']);
  });

  it('gives each agent its own HIVE_PORT, 8000 for the manager', () => {
    expect(seen.hm1nd!.port).toBe('8000');
    expect(seen.coder!.port).toBe('8202');
    expect(seen.iris!.port).toBe('8178');
    expect(new Set(Object.values(seen).map((s) => s.port)).size).toBe(3);
    expect(seen.coder!.hivePort).toBe(8202);
  });

  it('sets identity, label, dashboard port and git identity from mkAgent', () => {
    for (const [n, s] of Object.entries(seen)) {
      expect(s.name).toBe(n);
      expect(s.label).toBe(n);
      expect(s.dashboard).toBe('7777');
      expect(s.hostName).toBe(`h-${n}`);
      expect(s.gitUser).toEqual({ name: n, email: `${n}@hyperhive` });
      expect(s.managerName).toBe('hm1nd');
      expect(s.isManager).toBe(n === 'hm1nd' ? '1' : '0');
    }
  });

  it("shows each agent's own hive.model from its agent.nix, and the harness env built from it", () => {
    expect([seen.hm1nd!.model, seen.coder!.model, seen.iris!.model]).toEqual(['opus', 'sonnet', 'haiku']);
    expect(seen.iris!.harnessEnv).toMatchObject({ HIVE_MODEL: 'haiku', HIVE_PORT: '8178', HIVE_NAME: 'iris', AGENT_NOTE: 'from agent.nix' });
  });

  it("evaluates an agent's hive model, env and mcpServers lazily", async () => {
    expect(await evalHive(h.o.metaDir, 'iris')).toEqual({ model: 'haiku', env: { AGENT_NOTE: 'from agent.nix' }, mcpServers: {} });
  });

  it("fails with nix's type error when an agent.nix sets a typed option wrongly", async () => {
    await seedAppliedAgent({ appliedRoot: h.o.appliedRoot, name: 'coder', agentNix: '{ ... }: { hive.model = 42; }\n' });
    expect((await lockUpdateForRebuild(h.o, 'coder')).changed).toBe(true);
    await expect(evalHive(h.o.metaDir, 'coder')).rejects.toThrow(/option `hive\.model' is not of type `string'/);
    // The other agents still evaluate.
    expect((await evalHive(h.o.metaDir, 'iris')).model).toBe('haiku');
  });
});

describe('what the host decides reaches each configuration (real nix, stub nixpkgs)', () => {
  const HOST = `cs: builtins.mapAttrs (n: c: {
    system = c.pkgs.system;
    managerName = c.config.hive.managerName;
    harnessManager = c.config.systemd.services.hive-harness.environment.HIVE_MANAGER_NAME;
    bind = c.config.systemd.services.hive-harness.environment.HIVE_BIND;
    daemonUrl = c.config.systemd.services.hive-harness.environment.HIVE_DAEMON_URL or null;
    privateNetwork = c.config.hive.privateNetwork;
    nspawn = c.config.boot.isNspawnContainer;
  }) cs`;

  it('a non-default manager name is the harness service\'s hive.managerName, and the system is the host\'s', async () => {
    const h = await makeHive();
    await h.agent('boss', 'opus');
    await h.agent('coder');
    const o = { ...h.o, managerName: 'boss', system: 'aarch64-linux' };
    await syncAgents({ ...o, agents: agentsForMeta(['boss', 'coder'], undefined, { managerName: 'boss' }) });
    const { stdout } = await runNix(['eval', '--json', `${o.metaDir}#nixosConfigurations`, '--apply', HOST], { cwd: o.metaDir });
    const seen = JSON.parse(stdout) as Record<string, Record<string, unknown>>;
    for (const n of ['boss', 'coder'])
      expect(seen[n]).toEqual({
        system: 'aarch64-linux', managerName: 'boss', harnessManager: 'boss',
        bind: '127.0.0.1', daemonUrl: 'http://127.0.0.1:7777', privateNetwork: false, nspawn: true,
      });
  });

  it('defaults the system to this host\'s and, on a private network, binds the harness wide and leaves the daemon URL to the gateway', async () => {
    const h = await makeHive();
    await h.agent('hm1nd');
    const o = { ...h.o, network: 'private' as const };
    await syncAgents({ ...o, agents: h.specs('hm1nd') });
    const { stdout } = await runNix(['eval', '--json', `${o.metaDir}#nixosConfigurations`, '--apply', HOST], { cwd: o.metaDir });
    expect(JSON.parse(stdout).hm1nd).toEqual({
      system: hostSystem(), managerName: 'hm1nd', harnessManager: 'hm1nd',
      bind: '0.0.0.0', daemonUrl: null, privateNetwork: true, nspawn: true,
    });
  });
});

describe('hostSystem', () => {
  it('names the Nix system of the CPU node runs on', () => {
    expect(hostSystem('x64', 'linux')).toBe('x86_64-linux');
    expect(hostSystem('arm64', 'linux')).toBe('aarch64-linux');
    expect(hostSystem('riscv64', 'linux')).toBe('riscv64-linux');
    expect(DEFAULT_SYSTEM).toBe(hostSystem());
  });
});
