import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitFiles, initRepo, snapshotTree, tempDir } from '@hive/testkit';
import { BuildError } from '../errors.js';
import { EMPTY_SETTINGS, checkBuild, readHiveSettings } from './settings.js';

const module = (hive: string, extra = '') => `{ config, lib, pkgs, ... }: {
  ${extra}
  hive = ${hive};
}
`;

async function applied(files: Record<string, string>): Promise<string> {
  const dir = await initRepo(tempDir('hive-applied-'));
  await commitFiles(dir, files, 'config');
  return dir;
}

async function buildError(p: Promise<unknown>): Promise<BuildError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BuildError);
  return e as BuildError;
}

describe('readHiveSettings', () => {
  it('reads model, env and mcpServers without forcing the rest of the module', async () => {
    const dir = await applied({
      'agent.nix': module(
        '{ model = "claude-opus-4"; env.GREETING = "hi there"; mcpServers.fs = { command = "mcp-fs"; args = [ "/state" ]; }; }',
        'environment.systemPackages = [ pkgs.git lib.mkForce ]; services.x = config.y;',
      ),
    });
    expect(await readHiveSettings(dir)).toEqual({
      ...EMPTY_SETTINGS,
      model: 'claude-opus-4',
      env: { GREETING: 'hi there' },
      mcpServers: { fs: { command: 'mcp-fs', args: ['/state'] } },
    });
  });

  it('gives empty settings for a module without hive, and accepts modules naming other arguments', async () => {
    const dir = await applied({ 'agent.nix': '{ modulesPath, pkgs, ... }: { imports = [ (modulesPath + "/x.nix") ]; }\n' });
    expect(await readHiveSettings(dir)).toEqual(EMPTY_SETTINGS);
  });

  it('reads a path with spaces and quotes as data, never as nix code', async () => {
    const dir = path.join(tempDir(), 'we"ird ${dir}');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'agent.nix'), module('{ model = "m1"; }'));
    expect((await readHiveSettings(dir)).model).toBe('m1');
  });

  it('refuses HIVE_* names in hive.env so a config cannot move the harness port', async () => {
    const dir = await applied({ 'agent.nix': module('{ env.HIVE_PORT = "1"; }') });
    const e = await buildError(readHiveSettings(dir));
    expect(e.message).toMatch(/hive\.env\.HIVE_PORT.*cannot be overridden/);
  });

  it('refuses env names that are not upper-case identifiers and values that are not strings', async () => {
    const bad = await applied({ 'agent.nix': module('{ env."lower-case" = "x"; }') });
    expect((await buildError(readHiveSettings(bad))).message).toMatch(/hive\.env\.lower-case/);
    const num = await applied({ 'agent.nix': module('{ env.COUNT = 3; }') });
    expect((await buildError(readHiveSettings(num))).message).toMatch(/hive\.env\.COUNT must be a string/);
  });

  it('refuses a model name carrying shell syntax', async () => {
    const dir = await applied({ 'agent.nix': module('{ model = "x; rm -rf /"; }') });
    expect((await buildError(readHiveSettings(dir))).message).toMatch(/hive\.model must be a model name/);
  });

  it('refuses MCP server entries the harness could not use', async () => {
    const name = await applied({ 'agent.nix': module('{ mcpServers."a b" = { command = "x"; }; }') });
    expect((await buildError(readHiveSettings(name))).message).toMatch(/hive\.mcpServers\.a b: server names/);
    const entry = await applied({ 'agent.nix': module('{ mcpServers.fs = "mcp-fs"; }') });
    expect((await buildError(readHiveSettings(entry))).message).toMatch(/hive\.mcpServers\.fs must be an attribute set/);
  });

  it('fails with nix\'s error when evaluating hive itself fails', async () => {
    const dir = await applied({ 'agent.nix': module('{ model = pkgs.lib.x; }') });
    const e = await buildError(readHiveSettings(dir));
    expect(e.stderr).toMatch(/error:/);
  });

  it('fails clearly when agent.nix is missing', async () => {
    const dir = await applied({ 'flake.nix': '{ outputs = _: {}; }\n' });
    expect((await buildError(readHiveSettings(dir))).message).toMatch(/agent\.nix is missing/);
  });
});

describe('checkBuild', () => {
  it('parses every tracked .nix file and returns the settings', async () => {
    const dir = await applied({
      'agent.nix': module('{ model = "m2"; }'),
      'flake.nix': '{ outputs = _: { nixosModules.default = import ./agent.nix; }; }\n',
      'modules/extra.nix': '{ ... }: { }\n',
    });
    expect((await checkBuild(dir)).model).toBe('m2');
  });

  it('fails with nix\'s syntax error naming the broken file, and changes nothing on disk', async () => {
    const dir = await applied({
      'agent.nix': module('{ model = "m2"; }'),
      'modules/broken.nix': '{ x = ; }\n',
    });
    const before = await snapshotTree(dir);
    const e = await buildError(checkBuild(dir));
    expect(e.message).toMatch(/^error: syntax error/);
    expect(e.stderr).toContain('broken.nix');
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it('ignores untracked .nix files, as a flake build would', async () => {
    const dir = await applied({ 'agent.nix': module('{ }') });
    writeFileSync(path.join(dir, 'scratch.nix'), '{ x = ; }\n');
    await expect(checkBuild(dir)).resolves.toMatchObject({ model: null });
  });

  it('parses .nix files of a plain directory that is not a git repo', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'agent.nix'), module('{ }'));
    writeFileSync(path.join(dir, 'other.nix'), '{ x = ; }\n');
    expect((await buildError(checkBuild(dir))).stderr).toContain('other.nix');
  });
});
