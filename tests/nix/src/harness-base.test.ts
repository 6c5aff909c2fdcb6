import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@hive/testkit';
import { evalModules, repoPath } from './nix-eval.js';

const harnessBase = repoPath('nix/modules/harness-base.nix');
const template = repoPath('packages/gitops/templates/agent.nix');

/** What the meta flake's mkAgent sets on top of the agent's own module. */
function identity(o: { name: string; port: number; isManager?: boolean; managerName?: string; extra?: string }): string {
  return `{
    hive = {
      name = "${o.name}"; label = "${o.name} (test)"; port = ${o.port}; dashboardPort = 7788;
      isManager = ${o.isManager ? 'true' : 'false'}; package = pkgs.git;${o.managerName ? ` managerName = "${o.managerName}";` : ''}
    };
    programs.git.config.user = { name = "${o.name}"; email = "${o.name}@hyperhive.invalid"; };
    ${o.extra ?? ''}
  }`;
}

type Service = {
  environment: Record<string, string>;
  path: string[];
  serviceConfig: Record<string, string>;
  wantedBy: string[];
};

const service = (modules: string[]) => evalModules<Service>(modules, 'r: r.config.systemd.services.hive-harness');

describe('harness-base.nix', () => {
  it('declares the identity mkAgent sets and the knobs an agent.nix sets', async () => {
    const names = await evalModules<string[]>([harnessBase], 'r: builtins.attrNames r.options.hive');
    expect(names).toEqual(
      expect.arrayContaining(['name', 'port', 'label', 'dashboardPort', 'isManager', 'managerName', 'model', 'env', 'mcpServers', 'package']),
    );
  });

  it('runs the harness with the identity, port, label, dashboard port and daemon URL from mkAgent', async () => {
    const svc = await service([harnessBase, template, identity({ name: 'coder', port: 8202 })]);
    expect(svc.environment).toMatchObject({
      HIVE_NAME: 'coder',
      HIVE_LABEL: 'coder (test)',
      HIVE_PORT: '8202',
      HIVE_DASHBOARD_PORT: '7788',
      HIVE_DAEMON_URL: 'http://127.0.0.1:7788',
      HIVE_STATE: '/state',
      HIVE_IS_MANAGER: '0',
      HOME: '/state',
    });
    expect(svc.wantedBy).toEqual(['multi-user.target']);
    expect(svc.serviceConfig.Restart).toBe('on-failure');
  });

  it('runs as the unprivileged agent user with no capabilities, and Claude Code from claudePackage by default', async () => {
    const svc = await service([harnessBase, template, identity({ name: 'coder', port: 8202 })]);
    expect(svc.serviceConfig).toMatchObject({ User: 'agent', Group: 'agent', NoNewPrivileges: true, CapabilityBoundingSet: '', AmbientCapabilities: '' });
    expect(svc.serviceConfig.ExecStartPre).toMatch(/^\+\/nix\/store\/\S+-coreutils\/bin\/chown agent:agent \/state \/state\/token$/);
    expect(svc.environment.HIVE_CLAUDE_CMD).toBe('/nix/store/00000000000000000000000000000000-claude-code-2.1.332/bin/claude');
    const users = await evalModules<{ uid: number; isSystemUser: boolean; home: string }>(
      [harnessBase, identity({ name: 'coder', port: 8202 })],
      'r: { inherit (r.config.users.users.agent) uid isSystemUser home; }',
    );
    expect(users).toEqual({ uid: 1000, isSystemUser: true, home: '/state' });
  });

  it('takes the model, env and MCP servers from the seeded agent.nix template', async () => {
    const svc = await service([harnessBase, template, identity({ name: 'coder', port: 8202 })]);
    expect(svc.environment.HIVE_MODEL).toBe('sonnet');
    expect(JSON.parse(svc.environment.HIVE_MCP_SERVERS!)).toEqual({});
  });

  it("passes an agent's own model, env and MCP servers to the harness without letting env override its identity", async () => {
    const agent = `{ pkgs, ... }: {
      hive.model = "opus";
      hive.env = { GITHUB_ORG = "example"; HIVE_PORT = "1"; };
      hive.mcpServers.fetch = { command = "uvx"; args = [ "mcp-server-fetch" ]; };
    }`;
    const svc = await service([harnessBase, agent, identity({ name: 'iris', port: 8178 })]);
    expect(svc.environment).toMatchObject({ HIVE_MODEL: 'opus', GITHUB_ORG: 'example', HIVE_PORT: '8178' });
    expect(JSON.parse(svc.environment.HIVE_MCP_SERVERS!)).toEqual({ fetch: { command: 'uvx', args: ['mcp-server-fetch'] } });
  });

  it('marks the manager', async () => {
    const svc = await service([harnessBase, identity({ name: 'hm1nd', port: 8000, isManager: true })]);
    expect(svc.environment).toMatchObject({ HIVE_IS_MANAGER: '1', HIVE_PORT: '8000', HIVE_MANAGER_NAME: 'hm1nd' });
  });

  it("runs the harness with the manager name mkAgent sets, not the default", async () => {
    const svc = await service([harnessBase, identity({ name: 'coder', port: 8202, managerName: 'boss' })]);
    expect(svc.environment.HIVE_MANAGER_NAME).toBe('boss');
  });

  it('is an nspawn container on the host network by default: loopback bind, daemon on loopback, its own firewall off', async () => {
    const got = await evalModules<{ nspawn: boolean; env: Record<string, string>; fw: boolean; ports: number[] }>(
      [harnessBase, identity({ name: 'coder', port: 8202 })],
      'r: { nspawn = r.config.boot.isNspawnContainer; env = r.config.systemd.services.hive-harness.environment; fw = r.config.networking.firewall.enable; ports = r.config.networking.firewall.allowedTCPPorts or [ ]; }',
    );
    expect(got.nspawn).toBe(true);
    expect(got.env).toMatchObject({ HIVE_BIND: '127.0.0.1', HIVE_DAEMON_URL: 'http://127.0.0.1:7788' });
    expect([got.fw, got.ports]).toEqual([false, []]);
  });

  it('on a private network binds all of its addresses, opens only the harness port, and finds the daemon at its gateway', async () => {
    const got = await evalModules<{ env: Record<string, string>; fw: boolean; ports: number[]; start: string }>(
      [harnessBase, identity({ name: 'coder', port: 8202, extra: 'hive.privateNetwork = true;' })],
      'r: { env = r.config.systemd.services.hive-harness.environment; fw = r.config.networking.firewall.enable; ports = r.config.networking.firewall.allowedTCPPorts; start = builtins.readFile r.config.systemd.services.hive-harness.serviceConfig.ExecStart; }',
      { writeStore: true },
    );
    expect(got.env.HIVE_BIND).toBe('0.0.0.0');
    expect(got.env.HIVE_DAEMON_URL).toBeUndefined();
    expect([got.fw, got.ports]).toEqual([true, [8202]]);
    expect(got.start).toContain('-iproute2/bin/ip -4 route show default');
    expect(got.start).toContain('HIVE_DAEMON_URL="http://$gateway:7788"');
  });

  it('turns hive.limits into the settings of the agent\'s container unit, leaving out the unset ones', async () => {
    const unit = (extra: string) =>
      evalModules<{ name: string; serviceConfig: Record<string, unknown> }>([harnessBase, identity({ name: 'coder', port: 8202, extra })], 'r: r.config.hive.containerUnit');
    expect(await unit('hive.limits = { memoryMax = "2G"; cpuQuota = "50%"; tasksMax = 512; };')).toEqual({
      name: 'container@h-coder',
      serviceConfig: { MemoryMax: '2G', CPUQuota: '50%', TasksMax: 512 },
    });
    expect(await unit('hive.limits.memoryMax = "512M";')).toEqual({ name: 'container@h-coder', serviceConfig: { MemoryMax: '512M' } });
    expect(await unit('')).toEqual({ name: 'container@h-coder', serviceConfig: {} });
    const err = await unit('hive.limits.cpuQuota = "half";').catch((e: unknown) => e);
    expect((err as { stderr: string }).stderr).toMatch(/hive\.limits\.cpuQuota' is not of type/);
  });

  it("declares the options the meta flake's offline stub harness-base declares, and those only the real build needs besides", async () => {
    const real = await evalModules<string[]>([harnessBase], 'r: builtins.attrNames r.options.hive');
    const stub = await evalModules<string[]>([repoPath('packages/metaflake/stub/hyperhive/harness-base.nix')], 'r: builtins.attrNames r.options.hive');
    expect(real.filter((n) => !stub.includes(n)).sort()).toEqual(['claudePackage', 'package', 'user']);
    expect(stub.filter((n) => !real.includes(n))).toEqual([]);
  });

  it("declares the daemon settings reader's knobs and hands the set ones to the harness as the process runtime does", async () => {
    const agent = `{ hive = {
      permissionMode = "acceptEdits"; allowedTools = [ "Bash(git:*)" ]; maxTurns = 20; appendSystemPrompt = "be brief";
      budgetUsd = 5; healthTimeout = 0;
    }; }`;
    const svc = await service([harnessBase, agent, identity({ name: 'coder', port: 8202 })]);
    expect(svc.environment).toMatchObject({
      HIVE_PERMISSION_MODE: 'acceptEdits', HIVE_ALLOWED_TOOLS: '["Bash(git:*)"]', HIVE_MAX_TURNS: '20',
      HIVE_APPEND_SYSTEM_PROMPT: 'be brief', HIVE_BUDGET_USD: '5',
    });
    expect(svc.environment.HIVE_DISALLOWED_TOOLS).toBeUndefined();
    const plain = await service([harnessBase, identity({ name: 'coder', port: 8202 })]);
    expect(Object.keys(plain.environment).filter((k) => /PERMISSION|TOOLS|MAX_TURNS|SYSTEM_PROMPT|BUDGET/.test(k))).toEqual([]);
  });

  it("puts /run/current-system/sw on the service PATH so the agent's own packages are seen", async () => {
    const svc = await service([harnessBase, identity({ name: 'coder', port: 8202 })]);
    expect(svc.path).toEqual(['/run/current-system/sw']);
  });

  it('configures git declaratively, merging the identity mkAgent sets, inside a container', async () => {
    const got = await evalModules<{ git: unknown; isContainer: boolean; hostName: string }>(
      [harnessBase, identity({ name: 'coder', port: 8202 })],
      'r: { git = r.config.programs.git; isContainer = r.config.boot.isContainer; hostName = r.config.networking.hostName; }',
    );
    expect(got).toEqual({
      git: {
        enable: true,
        config: { init: { defaultBranch: 'main' }, user: { name: 'coder', email: 'coder@hyperhive.invalid' } },
      },
      isContainer: true,
      hostName: 'h-coder',
    });
  });

  it('refuses an agent name the option type does not allow', async () => {
    const err = await service([harnessBase, identity({ name: 'Bad_Name', port: 8202 })]).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/hive\.name/);
    expect((err as { stderr: string }).stderr).toMatch(/not of type `string matching the pattern/);
  });

  it('refuses a setting harness-base does not declare', async () => {
    const err = await service([harnessBase, '{ hive.modle = "opus"; }', identity({ name: 'coder', port: 8202 })]).catch(
      (e: unknown) => e,
    );
    expect((err as { stderr: string }).stderr).toMatch(/The option `hive\.modle' does not exist/);
  });
});

describe('the harness start script', () => {
  /** A fake hyperhive package whose hive-harness prints the token and arguments it was started with. */
  function fakePackage(): string {
    const pkg = tempDir('hive-pkg-');
    mkdirSync(path.join(pkg, 'bin'));
    const bin = path.join(pkg, 'bin/hive-harness');
    writeFileSync(bin, '#!/bin/sh\necho "token=${HIVE_TOKEN:-none} args=$*"\n');
    chmodSync(bin, 0o755);
    return pkg;
  }

  /** Renders the service's ExecStart script (a real file: the stub writeShellScript uses builtins.toFile) and runs it. */
  async function runStart(stateDir: string) {
    const pkg = fakePackage();
    const overrides = `{ lib, ... }: {
      hive.package = lib.mkForce (pkgs.git // { outPath = ${JSON.stringify(pkg)}; });
      hive.stateDir = ${JSON.stringify(stateDir)};
    }`;
    const script = await evalModules<string>(
      [harnessBase, identity({ name: 'coder', port: 8202 }), overrides],
      'r: r.config.systemd.services.hive-harness.serviceConfig.ExecStart',
      { writeStore: true },
    );
    return execa('bash', [script, '--flag'], { cwd: stateDir, reject: false });
  }

  it('reads the agent token from the state dir at start and execs the harness', async () => {
    const state = tempDir('hive-state-');
    writeFileSync(path.join(state, 'token'), 'sekrit-123\n', { mode: 0o600 });
    const r = await runStart(state);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('token=sekrit-123 args=--flag');
    expect(r.stderr).toBe('');
  });

  it('starts without a token, saying why calls to the daemon will fail', async () => {
    const state = tempDir('hive-state-');
    const r = await runStart(state);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('token=none args=--flag');
    expect(r.stderr).toMatch(/token is missing: the daemon writes it when it spawns or rebuilds this agent/);
  });
});
