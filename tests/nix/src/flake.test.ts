import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNix } from '@hive/core';
import { commitFiles, initRepo } from '@hive/testkit';
import { evalJson, evalModules, evalModulesExpr, fixtures, nixPath, repoPath, stubLibFiles } from './nix-eval.js';
import { repoRoot } from './nix-files.js';

/** The repo flake's outputs, called with stub inputs (no nixpkgs fetched): `self` and `nixpkgs` in scope. */
const withFlake = (body: string) => `
  let
    nixpkgs = {
      lib = import ${nixPath(path.join(fixtures, 'stub-lib.nix'))};
      legacyPackages = nixpkgs.lib.genAttrs [ "x86_64-linux" "aarch64-linux" ] (_: import ${nixPath(path.join(fixtures, 'stub-pkgs.nix'))});
    };
    self = (import ${repoPath('flake.nix')}).outputs { inherit self nixpkgs; } // { outPath = ${JSON.stringify(repoRoot)}; };
  in ${body}`;

const version = (JSON.parse(readFileSync(path.join(repoRoot, 'apps/daemon/package.json'), 'utf8')) as { version: string }).version;
const binOf = (app: string, bin: string) =>
  (JSON.parse(readFileSync(path.join(repoRoot, 'apps', app, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin[bin]!;

describe('flake.nix', () => {
  it('outputs the host and harness-base modules, the agent template and a package per system', async () => {
    const got = await evalJson(
      withFlake(`{
        nixosModules = builtins.attrNames self.nixosModules;
        templates = builtins.attrNames self.templates;
        systems = builtins.attrNames self.packages;
        packages = builtins.attrNames self.packages.x86_64-linux;
        description = self.templates.agent.description;
      }`),
    );
    expect(got).toEqual({
      nixosModules: ['default', 'harness-base', 'host'],
      templates: ['agent', 'default'],
      systems: ['aarch64-linux', 'x86_64-linux'],
      packages: ['default', 'hyperhive'],
      description: expect.stringMatching(/agent/),
    });
  });

  it('points templates.agent at the agent.nix and flake.nix setupProposed seeds', async () => {
    const dir = await evalJson<string>(withFlake('toString self.templates.agent.path'));
    expect(dir).toBe(path.join(repoRoot, 'packages/gitops/templates'));
    expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(['agent.nix', 'flake.nix']));
  });

  it("defaults the host's package to the flake's build and the meta flake's hyperhive input to the host's own source", async () => {
    const got = await evalModules<{ exec: string; url: string }>(
      [
        withFlake('self.nixosModules.default'),
        '{ services.hyperhive.enable = true; nix.package = pkgs.git; system.stateVersion = "25.05"; }',
      ],
      'r: { exec = r.config.systemd.services.hyperhive.serviceConfig.ExecStart; url = r.config.systemd.services.hyperhive.environment.HIVE_HYPERHIVE_URL; }',
    );
    expect(got.exec).toMatch(new RegExp(`^/nix/store/[0-9a-z]{32}-hyperhive-${version}/bin/hive up --runtime nixos `));
    expect(got.url).toBe(`path:${repoRoot}`);
  });

  it("defaults each container's harness package to the flake's build", async () => {
    const name = await evalModules<string>(
      [
        withFlake('self.nixosModules.harness-base'),
        '{ hive = { name = "coder"; port = 8202; }; }',
      ],
      'r: r.config.hive.package.name',
    );
    expect(name).toBe(`hyperhive-${version}`);
  });

  it('builds the workspace with pnpm and wraps the daemon and harness entry points as bin/hive and bin/hive-harness', async () => {
    const pkg = await evalJson<{ name: string; main: string; deps: string; install: string; keeps: boolean[] }>(
      withFlake(`let p = self.packages.x86_64-linux.default; in {
        inherit (p) name;
        main = p.meta.mainProgram;
        deps = p.pnpmDeps.name;
        install = p.installPhase;
        keeps = map (f: p.src.filter f "directory") [ "/r/packages/core" "/r/node_modules" "/r/apps/daemon/dist" "/r/.git" ];
      }`),
    );
    expect(pkg).toMatchObject({ name: `hyperhive-${version}`, main: 'hive', deps: 'hyperhive-pnpm-deps', keeps: [true, false, false, false] });
    const daemonMain = path.posix.join('apps/daemon', binOf('daemon', 'hive'));
    const harnessMain = path.posix.join('apps/agent-harness', binOf('agent-harness', 'hive-harness'));
    expect(pkg.install).toMatch(new RegExp(`\\$out/bin/hive \\\\\\n\\s+--add-flags "\\$app/${daemonMain}"`));
    expect(pkg.install).toMatch(new RegExp(`\\$out/bin/hive-harness \\\\\\n\\s+--add-flags "\\$app/${harnessMain}"`));
  });
});

describe('the release check (tests/nix/real/two-agents.nix)', () => {
  it('evaluates with the stand-in lib offline, as the CI evaluates it against the pinned nixpkgs', async () => {
    type Got = {
      host: { drv: string; env: Record<string, string>; nat: string[] };
      agents: Record<string, { drv: string; env: Record<string, string>; unit: unknown; nspawn: boolean }>;
    };
    const got = await evalJson<Got>(
      withFlake(`import ${repoPath('tests/nix/real/two-agents.nix')} { flake = { inputs.nixpkgs = nixpkgs; inherit (self) nixosModules; }; system = "x86_64-linux"; }`),
    );
    expect(got.host.env).toMatchObject({ HIVE_NIXOS_NETWORK: 'private', HIVE_SYSTEM: 'x86_64-linux', NIX_CONFIG: expect.stringContaining('flakes') });
    expect(got.host.nat).toEqual(['ve-+']);
    expect(Object.keys(got.agents)).toEqual(['coder', 'hm1nd']);
    expect(got.agents.coder!.unit).toEqual({ name: 'container@h-coder', serviceConfig: { MemoryMax: '2G', CPUQuota: '50%', TasksMax: 512 } });
    expect(got.agents.coder!.env).toMatchObject({ HIVE_MANAGER_NAME: 'hm1nd', HIVE_BIND: '0.0.0.0', HIVE_MODEL: 'opus' });
    expect(got.agents.hm1nd!.env).toMatchObject({ HIVE_IS_MANAGER: '1', HIVE_PORT: '8000' });
    for (const a of Object.values(got.agents)) expect([a.nspawn, a.drv]).toEqual([true, expect.stringMatching(/^\/nix\/store\/\S+\.drv$/)]);
  });
});

describe('flake.lock', () => {
  it('pins nixpkgs to a nixos release by full rev and narHash, matching the input flake.nix declares', () => {
    const lock = JSON.parse(readFileSync(path.join(repoRoot, 'flake.lock'), 'utf8')) as {
      version: number;
      root: string;
      nodes: Record<string, { inputs?: Record<string, string>; locked?: Record<string, unknown>; original?: Record<string, unknown> }>;
    };
    expect([lock.version, lock.root, lock.nodes.root!.inputs]).toEqual([7, 'root', { nixpkgs: 'nixpkgs' }]);
    const n = lock.nodes.nixpkgs!;
    expect(n.locked).toMatchObject({ type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: expect.stringMatching(/^[0-9a-f]{40}$/), narHash: expect.stringMatching(/^sha256-[A-Za-z0-9+/]{43}=$/) });
    const url = /inputs\.nixpkgs\.url = "github:([^/]+)\/([^/]+)\/([^"]+)";/.exec(readFileSync(path.join(repoRoot, 'flake.nix'), 'utf8'))!;
    expect(n.original).toEqual({ type: 'github', owner: url[1], repo: url[2], ref: url[3] });
    expect(url[3]).toMatch(/^nixos-\d\d\.\d\d$/);
  });
});

describe('flake.nix under the real flake machinery', () => {
  /** Copies a repo-relative file or directory into a map for commitFiles. */
  function collect(rel: string, into: Record<string, string>): Record<string, string> {
    const abs = path.join(repoRoot, rel);
    if (statSync(abs).isDirectory()) for (const e of readdirSync(abs)) collect(path.join(rel, e), into);
    else into[rel] = readFileSync(abs, 'utf8');
    return into;
  }

  it('evaluates with nix, its nixpkgs input overridden by a stub flake', async () => {
    const stub = await initRepo();
    await commitFiles(stub, {
      'flake.nix': `{ outputs = { self }: {
        lib = import ./stub-lib.nix;
        legacyPackages = self.lib.genAttrs [ "x86_64-linux" "aarch64-linux" ] (_: import ./stub-pkgs.nix);
      }; }\n`,
      // The stub lib is a file set (lib.nix and what it imports), re-exported as stub-lib.nix.
      ...stubLibFiles(),
      'stub-lib.nix': 'import ./lib.nix\n',
      'stub-pkgs.nix': readFileSync(path.join(fixtures, 'stub-pkgs.nix'), 'utf8'),
    });
    const files: Record<string, string> = {};
    // flake.lock too: the committed pin must parse, and the override must keep it offline.
    for (const rel of ['flake.nix', 'flake.lock', 'nix', 'packages/gitops/templates', 'apps/daemon/package.json']) collect(rel, files);
    const repo = await initRepo();
    await commitFiles(repo, files);

    const evalAttr = async (attr: string, apply?: string) => {
      // --impure: an --apply may import the stub evalModules from this checkout.
      const args = ['eval', '--json', '--impure', '--no-write-lock-file', '--override-input', 'nixpkgs', `git+file://${stub}`, `${repo}#${attr}`];
      const { stdout } = await runNix(apply ? [...args, '--apply', apply] : args, { cwd: repo });
      return JSON.parse(stdout) as unknown;
    };
    expect(await evalAttr('nixosModules', 'builtins.attrNames')).toEqual(['default', 'harness-base', 'host']);
    expect(await evalAttr('templates.agent.description')).toMatch(/agent/);
    expect(await evalAttr('packages.x86_64-linux.default.name')).toBe(`hyperhive-${version}`);

    // The exported host module pins the meta flake to the flake's own store copy.
    const url = await evalAttr(
      'nixosModules',
      `m: let pkgs = import ${nixPath(path.join(fixtures, 'stub-pkgs.nix'))}; in
        (${evalModulesExpr('[ m.default { services.hyperhive.enable = true; nix.package = pkgs.git; system.stateVersion = "25.05"; } ]')})
          .config.systemd.services.hyperhive.environment.HIVE_HYPERHIVE_URL`,
    );
    expect(url).toMatch(/^path:\/nix\/store\/[0-9a-z]{32}-source$/);
  });
});
