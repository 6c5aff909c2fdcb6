import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@hive/testkit';
import { evalModules, repoPath } from './nix-eval.js';

const host = repoPath('nix/modules/host.nix');
/** What every host sets besides hyperhive; `nix.package` stands in for the NixOS default. */
const base = `{ lib, ... }: {
  nix.package = pkgs.git // { name = "nix"; outPath = "/nix/store/00000000000000000000000000000000-nix"; };
  system.stateVersion = lib.mkDefault "25.05";
}`;

function hostWith(settings: string): string[] {
  return [
    host,
    base,
    `{ services.hyperhive = { enable = true; package = pkgs.git // { outPath = "/nix/store/00000000000000000000000000000000-hyperhive"; }; hyperhiveFlakeUrl = "github:example/hyperhive"; } // ${settings}; }`,
  ];
}

type Unit = {
  environment: Record<string, string>;
  path: string[];
  serviceConfig: Record<string, string | number | boolean>;
  wantedBy: string[];
};
type Evaluated = {
  service: Unit | null;
  autoUpdate: Unit | null;
  timer: { timerConfig: Record<string, string | boolean>; wantedBy: string[] } | null;
  failed: string[];
  enableContainers: boolean | null;
  hiveUrl: string | null;
  tmpfiles: string[];
  firewall: number[];
  nat: { enable: boolean; internalInterfaces: string[]; externalInterface: string } | null;
  veFirewall: number[];
};

const select = `r: {
  service = r.config.systemd.services.hyperhive or null;
  autoUpdate = r.config.systemd.services.hyperhive-auto-update or null;
  timer = r.config.systemd.timers.hyperhive-auto-update or null;
  failed = r.failedAssertions;
  enableContainers = r.config.boot.enableContainers or null;
  hiveUrl = r.config.environment.variables.HIVE_URL or null;
  tmpfiles = r.config.systemd.tmpfiles.rules or [ ];
  firewall = r.config.networking.firewall.allowedTCPPorts or [ ];
  nat = r.config.networking.nat or null;
  veFirewall = r.config.networking.firewall.interfaces."ve-+".allowedTCPPorts or [ ];
}`;
const evalHost = (settings = '{ }') => evalModules<Evaluated>(hostWith(settings), select);

describe('host.nix (services.hyperhive)', () => {
  it('declares the options a host config sets', async () => {
    const names = await evalModules<string[]>([host], 'r: builtins.attrNames r.options.services.hyperhive');
    expect(names).toEqual(
      expect.arrayContaining([
        'enable', 'package', 'stateDir', 'dashboardPort', 'bind', 'operatorTokenFile',
        'managerName', 'hyperhiveFlakeUrl', 'autoUpdate', 'claudeCommand', 'network', 'nat',
      ]),
    );
    const autoUpdate = await evalModules<string[]>([host], 'r: builtins.attrNames r.options.services.hyperhive.autoUpdate');
    expect(autoUpdate).toEqual(['enable', 'interval']);
  });

  it('runs `hive up` with the nixos runtime, the state dir and the dashboard port as a restarting service', async () => {
    const { service } = await evalHost();
    expect(service!.serviceConfig).toMatchObject({
      ExecStart: '/nix/store/00000000000000000000000000000000-hyperhive/bin/hive up --runtime nixos --state /var/lib/hyperhive --port 7777',
      StateDirectory: 'hyperhive',
      Restart: 'on-failure',
    });
    expect(service!.wantedBy).toEqual(['multi-user.target']);
  });

  it('hands the daemon its settings through HIVE_* variables, with the documented defaults', async () => {
    const { service } = await evalHost();
    expect(service!.environment).toEqual({
      HIVE_STATE_DIR: '/var/lib/hyperhive',
      HIVE_DASHBOARD_PORT: '7777',
      HIVE_RUNTIME: 'nixos',
      HIVE_BIND: '127.0.0.1',
      HIVE_MANAGER_NAME: 'hm1nd',
      HIVE_HYPERHIVE_URL: 'github:example/hyperhive',
      HIVE_CLAUDE_CMD: 'claude',
      HIVE_SYSTEM: 'x86_64-linux',
      HIVE_NIXOS_NETWORK: 'host',
      HIVE_NIXOS_CONF_DIR: '/etc/nixos-containers',
      HIVE_NIXOS_CONTAINER_BIN: '/run/current-system/sw/bin/nixos-container',
      NIX_CONFIG: 'extra-experimental-features = nix-command flakes',
    });
  });

  it("puts nix and git on the daemon PATH and drives the host's own nixos-container, not pkgs.nixos-container", async () => {
    const { service } = await evalHost();
    const names = service!.path.map((p) => p.replace(/^\/nix\/store\/[0-9a-z]{32}-/, ''));
    expect(names).toEqual(expect.arrayContaining(['hyperhive', 'nix', 'git', 'systemd']));
    expect(names).not.toContain('nixos-container');
  });

  it('points the daemon at /etc/containers on a host whose stateVersion predates 22.05, as the containers module does', async () => {
    const old = await evalModules<Evaluated>([...hostWith('{ }'), '{ system.stateVersion = "21.11"; }'], select);
    expect(old.service!.environment.HIVE_NIXOS_CONF_DIR).toBe('/etc/containers');
    expect((await evalModules<Evaluated>([...hostWith('{ }'), '{ system.stateVersion = "22.05"; }'], select)).service!.environment.HIVE_NIXOS_CONF_DIR).toBe('/etc/nixos-containers');
  });

  it('keeps containers on the host network by default: no NAT, nothing opened to ve-*', async () => {
    const got = await evalHost();
    expect([got.nat, got.veFirewall, got.failed]).toEqual([null, [], []]);
  });

  it('gives a private network NAT on the external interface and opens only the dashboard port to the veths', async () => {
    const got = await evalHost('{ network = "private"; bind = "0.0.0.0"; operatorTokenFile = "/run/secrets/t"; nat.externalInterface = "eth0"; }');
    expect(got.failed).toEqual([]);
    expect(got.nat).toEqual({ enable: true, internalInterfaces: ['ve-+'], externalInterface: 'eth0' });
    expect(got.veFirewall).toEqual([7777]);
    expect(got.firewall).toEqual([]);
    expect(got.service!.environment.HIVE_NIXOS_NETWORK).toBe('private');
  });

  it('refuses a private network the agents could not use: daemon on loopback, or no NAT interface', async () => {
    const got = await evalHost('{ network = "private"; }');
    expect(got.failed).toEqual([
      'services.hyperhive.network = "private": agents reach the daemon at their container\'s host address, so set bind = "0.0.0.0" (the firewall opens dashboardPort to the ve-* interfaces only)',
      'services.hyperhive.network = "private": set services.hyperhive.nat.externalInterface so agents reach the internet through NAT',
    ]);
  });

  it('enables nixos-containers and points the hive CLI at the daemon', async () => {
    const got = await evalHost('{ dashboardPort = 7900; }');
    expect(got.enableContainers).toBe(true);
    expect(got.hiveUrl).toBe('http://127.0.0.1:7900');
    expect(got.service!.environment.HIVE_DASHBOARD_PORT).toBe('7900');
  });

  it('refuses a non-loopback bind without an operator token file', async () => {
    const got = await evalHost('{ bind = "0.0.0.0"; }');
    expect(got.failed).toEqual(['services.hyperhive.bind = "0.0.0.0" is not loopback: set services.hyperhive.operatorTokenFile']);
  });

  it('accepts a non-loopback bind with a token file and hands the daemon its path', async () => {
    const got = await evalHost('{ bind = "0.0.0.0"; operatorTokenFile = "/run/secrets/hive-token"; openFirewall = true; }');
    expect(got.failed).toEqual([]);
    expect(got.service!.environment).toMatchObject({ HIVE_BIND: '0.0.0.0', HIVE_OPERATOR_TOKEN_FILE: '/run/secrets/hive-token' });
    expect(got.firewall).toEqual([7777]);
    expect(got.hiveUrl).toBe('http://127.0.0.1:7777');
  });

  it('refuses an operator token file in the world-readable Nix store', async () => {
    const got = await evalHost('{ operatorTokenFile = "/nix/store/00000000000000000000000000000000-token"; }');
    expect(got.failed).toEqual(['services.hyperhive.operatorTokenFile must not be in the Nix store (it is world-readable there)']);
  });

  it('creates a state dir outside /var/lib with tmpfiles instead of StateDirectory', async () => {
    const got = await evalHost('{ stateDir = "/srv/hive"; }');
    expect(got.service!.serviceConfig.StateDirectory).toBeUndefined();
    expect(got.tmpfiles).toEqual(['d /srv/hive 0750 root root -']);
    expect(got.service!.serviceConfig.ExecStart).toContain('--state /srv/hive');
  });

  it('adds an auto-update timer running `hive auto-update` on the interval only when enabled', async () => {
    const off = await evalHost();
    expect(off.autoUpdate).toBeNull();
    expect(off.timer).toBeNull();

    const on = await evalHost('{ autoUpdate = { enable = true; interval = "weekly"; }; }');
    expect(on.autoUpdate!.serviceConfig).toMatchObject({ Type: 'oneshot', ExecStart: expect.stringMatching(/-hyperhive-auto-update$/) });
    expect(on.autoUpdate!.environment).toEqual({ HIVE_URL: 'http://127.0.0.1:7777' });
    expect(on.timer!.timerConfig).toMatchObject({ OnCalendar: 'weekly', Persistent: true });
    expect(on.timer!.wantedBy).toEqual(['timers.target']);
  });

  it('runs `hive auto-update` with the operator token read from its file, never from the unit', async () => {
    const pkg = tempDir('hive-pkg-');
    mkdirSync(path.join(pkg, 'bin'));
    writeFileSync(path.join(pkg, 'bin/hive'), '#!/bin/sh\necho "token=${HIVE_OPERATOR_TOKEN:-none} args=$*"\n', { mode: 0o755 });
    const tokenFile = path.join(tempDir(), 'operator-token');
    writeFileSync(tokenFile, 'operator-token-0123456789\n', { mode: 0o600 });
    const modules = [
      host,
      base,
      `{ lib, ... }: { services.hyperhive = {
        enable = true; package = pkgs.git // { outPath = ${JSON.stringify(pkg)}; }; hyperhiveFlakeUrl = "github:example/hyperhive";
        bind = "0.0.0.0"; operatorTokenFile = ${JSON.stringify(tokenFile)}; autoUpdate.enable = true;
      }; }`,
    ];
    const unit = await evalModules<Unit>(modules, 'r: r.config.systemd.services.hyperhive-auto-update', { writeStore: true });
    expect(JSON.stringify(unit)).not.toContain('operator-token-0123456789');
    const r = await execa('bash', [unit.serviceConfig.ExecStart as string], { cwd: pkg, reject: false });
    expect(r.stdout).toBe('token=operator-token-0123456789 args=auto-update');
    expect(r.exitCode).toBe(0);
  });

  it('treats any 127.x address as loopback, as the daemon does', async () => {
    expect((await evalHost('{ bind = "127.0.0.2"; }')).failed).toEqual([]);
  });

  it('defines nothing when not enabled', async () => {
    const got = await evalModules<Evaluated>([host, base], select);
    expect(got.service).toBeNull();
    expect(got.enableContainers).toBeNull();
    expect(got.failed).toEqual([]);
  });

  it('refuses a manager name that is not a valid agent name', async () => {
    const err = await evalHost('{ managerName = "Manager"; }').catch((e: unknown) => e);
    expect((err as { stderr: string }).stderr).toMatch(/services\.hyperhive\.managerName' is not of type/);
  });
});
