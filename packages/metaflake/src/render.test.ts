import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidNameError, runNix } from '@hive/core';
import { tempDir } from '@hive/testkit';
import { InvalidMetaOptionError, agentsForMeta, hostSystem, renderMetaFlake, type AgentSpec } from './index.js';

const o = { appliedRoot: '/var/lib/hyperhive/applied', hyperhiveUrl: 'git+file:///srv/hyperhive', dashboardPort: 7777 };
const specs = agentsForMeta(['hm1nd', 'coder', 'iris', 'atlas']);

describe('renderMetaFlake', () => {
  it('renders byte-identical text for any order of the same agents', () => {
    const a = renderMetaFlake(specs, o);
    for (const shuffled of [[...specs].reverse(), [specs[2]!, specs[0]!, specs[3]!, specs[1]!]]) {
      expect(renderMetaFlake(shuffled, o)).toBe(a);
    }
    expect(renderMetaFlake(specs, { ...o })).toBe(a);
  });

  it('has the hyperhive input, nixpkgs following it, and one input and configuration per agent', () => {
    const t = renderMetaFlake(specs, o);
    expect(t).toContain('hyperhive.url = "git+file:///srv/hyperhive";');
    expect(t).toContain('nixpkgs.follows = "hyperhive/nixpkgs";');
    for (const a of specs) {
      expect(t).toContain(`agent-${a.name}.url = "git+file:///var/lib/hyperhive/applied/${a.name}?ref=main";`);
      expect(t).toContain(`${a.name} = mkAgent { name = "${a.name}"; port = ${a.port}; label = "${a.name}"; isManager = ${a.isManager}; agent = inputs.agent-${a.name}; };`);
    }
    expect(t).toContain('port = 8000; label = "hm1nd"; isManager = true;');
    expect(t).toContain('HIVE_MANAGER_NAME = "hm1nd";');
    expect(t).toContain('dashboardPort = 7777;');
    expect(t).toContain('hyperhive.nixosModules.harness-base');
    expect(t).toContain('programs.git.config.user = { inherit name; email = "${name}@hyperhive"; };');
    expect(t.indexOf('agent-atlas')).toBeLessThan(t.indexOf('agent-coder'));
  });

  it('renders a flake nix-instantiate parses, with no agents too', async () => {
    const dir = tempDir();
    for (const [i, list] of [specs, []].entries()) {
      const file = path.join(dir, `f${i}.nix`);
      writeFileSync(file, renderMetaFlake(list, o));
      await expect(runNix(['--parse', file], { cwd: dir, bin: 'nix-instantiate' })).resolves.toBeTruthy();
    }
  });

  it('escapes labels so they stay Nix string literals', () => {
    const t = renderMetaFlake([{ name: 'coder', port: 8202, isManager: false, label: 'say "${hi}" \\ ok' }], o);
    expect(t).toContain('label = "say \\"\\${hi}\\" \\\\ ok";');
  });

  it.each<[string, AgentSpec[], Partial<typeof o>, RegExp]>([
    ['a bad name', [{ name: '../x', port: 8100, isManager: false, label: 'x' }], {}, /invalid agent name/],
    ['a duplicate name', [...agentsForMeta(['coder']), ...agentsForMeta(['coder'])], {}, /coder is listed twice/],
    ['a bad port', [{ name: 'coder', port: 70000, isManager: false, label: 'c' }], {}, /agents\.coder\.port: 70000 is not a port/],
    ['a control character in a label', [{ name: 'coder', port: 8202, isManager: false, label: 'a\nb' }], {}, /label/],
    ['two managers', [{ name: 'a', port: 1, isManager: true, label: 'a' }, { name: 'b', port: 2, isManager: true, label: 'b' }], {}, /more than one/],
    ['a quote in the hyperhive URL', specs, { hyperhiveUrl: 'git+file:///x"; evil = "' }, /hyperhiveUrl: .* is not a flake URL/],
    ['an interpolation in the hyperhive URL', specs, { hyperhiveUrl: 'path:/x${builtins.abort}' }, /hyperhiveUrl/],
    ['a space in the applied root', specs, { appliedRoot: '/var/lib/my hive' }, /appliedRoot: .* characters a flake URL cannot carry/],
    ['a dashboard port of 0', specs, { dashboardPort: 0 }, /dashboardPort: 0 is not a port/],
  ])('refuses %s with one clear line', (_, agents, patch, message) => {
    const run = () => renderMetaFlake(agents, { ...o, ...patch });
    expect(run).toThrow(message);
    try {
      run();
    } catch (e) {
      expect(e instanceof InvalidMetaOptionError || e instanceof InvalidNameError).toBe(true);
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it("sets hive.managerName in mkAgent (not only the shells' HIVE_MANAGER_NAME), this host's system by default, and the network", () => {
    const t = renderMetaFlake(specs, o);
    expect(t).toContain('hive = { inherit name port label isManager dashboardPort; managerName = "hm1nd"; };');
    expect(t).toContain(`system = "${hostSystem()}";`);
    expect(renderMetaFlake(specs, { ...o, system: 'aarch64-linux' })).toContain('system = "aarch64-linux";');
    expect(renderMetaFlake(specs, { ...o, managerName: 'boss', network: 'private' })).toContain(
      'hive = { inherit name port label isManager dashboardPort; managerName = "boss"; privateNetwork = true; };',
    );
    expect(() => renderMetaFlake(specs, { ...o, network: 'bridge' as 'host' })).toThrow(/network: "bridge" is not host or private/);
  });

  it('refuses a bad system', () => {
    expect(() => renderMetaFlake(specs, { ...o, system: 'x86_64 linux' })).toThrow(/system/);
  });
});
