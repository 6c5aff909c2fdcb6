import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNix } from '@hive/core';
import { git, snapshotTree, tempDir } from '@hive/testkit';
import { seedLocalHyperhive } from './index.js';

const stubRoot = fileURLToPath(new URL('../stub/', import.meta.url));
const repoStub = fileURLToPath(new URL('../../../nix/stub/', import.meta.url));

describe('seedLocalHyperhive', () => {
  it('creates stub nixpkgs and hyperhive repos and returns the hyperhive URL', async () => {
    const dir = tempDir();
    const { url } = await seedLocalHyperhive(dir);
    expect(url).toBe(`git+file://${dir}/hyperhive`);
    expect(await git(path.join(dir, 'hyperhive'), ['ls-files'])).toBe('flake.nix\nharness-base.nix');
    const flake = readFileSync(path.join(dir, 'hyperhive', 'flake.nix'), 'utf8');
    expect(flake).toContain(`inputs.nixpkgs.url = "git+file://${dir}/nixpkgs";`);
    expect(await git(path.join(dir, 'nixpkgs'), ['status', '--porcelain'])).toBe('');
  });

  it('is idempotent: a second call commits and writes nothing', async () => {
    const dir = tempDir();
    await seedLocalHyperhive(dir);
    const before = await snapshotTree(dir);
    await seedLocalHyperhive(dir);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it('exports harness-base and a nixpkgs lib.nixosSystem nix can evaluate', async () => {
    const dir = tempDir();
    const { url } = await seedLocalHyperhive(dir);
    const { stdout } = await runNix(
      ['eval', '--json', `${url}#nixosModules`, '--apply', 'ms: builtins.attrNames ms'],
      { cwd: dir },
    );
    expect(JSON.parse(stdout)).toContain('harness-base');
    const expr = `(builtins.getFlake "git+file://${dir}/nixpkgs").lib.nixosSystem { modules = [ ({ lib, ... }: { networking.hostName = lib.mkDefault "x"; }) { networking.hostName = "y"; } ]; }`;
    const r = await runNix(['eval', '--json', '--impure', '--expr', `(${expr}).config.networking.hostName`], { cwd: dir });
    expect(JSON.parse(r.stdout)).toBe('y');
  });

  it("lib.evalModules refuses an undeclared option under an owned prefix and reports failed assertions", async () => {
    const dir = tempDir();
    await seedLocalHyperhive(dir);
    const lib = `(builtins.getFlake "git+file://${dir}/nixpkgs").lib`;
    const decl = `{ lib, ... }: { options.hive.model = lib.mkOption { type = lib.types.str; default = "sonnet"; }; }`;
    const evalWith = (defs: string, select: string) =>
      runNix(['eval', '--json', '--impure', '--expr', `(${lib}.evalModules { modules = [ (${decl}) ${defs} ]; owned = [ [ "hive" ] ]; }).${select}`], { cwd: dir });
    // Not read, still refused: as in NixOS, where every definition must match a declaration.
    await expect(evalWith('{ hive.modle = "opus"; }', 'config.hive.model')).rejects.toThrow(/The option `hive\.modle' does not exist/);
    // Outside the owned prefixes an undeclared definition merges freely.
    expect(JSON.parse((await evalWith('{ other.x = 1; }', 'config.other.x')).stdout)).toBe(1);
    const failed = await evalWith('({ config, ... }: { assertions = [ { assertion = config.hive.model == "opus"; message = "wants opus"; } ]; })', 'failedAssertions');
    expect(JSON.parse(failed.stdout)).toEqual(['wants opus']);
  });

  it('refuses a dir a flake URL cannot carry, writing nothing', async () => {
    await expect(seedLocalHyperhive('/tmp/with space')).rejects.toThrow(/dir: .* characters a flake URL cannot carry/);
  });
});

describe('the stub nix files', () => {
  it('are linked from nix/stub, one copy', () => {
    for (const n of ['nixpkgs', 'hyperhive']) expect(realpathSync(path.join(repoStub, n))).toBe(realpathSync(path.join(stubRoot, n)));
  });

  it('all pass nix-instantiate --parse', async () => {
    for (const n of ['nixpkgs', 'hyperhive']) {
      for (const f of readdirSync(path.join(stubRoot, n)).filter((f) => f.endsWith('.nix'))) {
        await expect(runNix(['--parse', path.join(stubRoot, n, f)], { cwd: stubRoot, bin: 'nix-instantiate' })).resolves.toBeTruthy();
      }
    }
  });
});
