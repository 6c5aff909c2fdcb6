import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { NIX_FEATURES, NixError, NixNotFoundError } from '@hive/core';
import { covered, topLevelLinks } from './host-view.js';
import { AGENT_USER } from './identity.js';
import { appRoot, bwrapFeatures, findExecutable, isolationArgs } from './sandbox.js';

/** Where a build sees the tree it checks. */
export const PROPOSAL_DIR = '/proposal';

/**
 * Flags that confine nix's evaluation to the proposal: restricted evaluation with
 * /proposal as the only allowed path (no `import /etc/…`, no `readFile` of a host path,
 * no symlink out of the tree: restrict-eval checks canonical paths), and a store that
 * cannot hold anything, so nothing is copied or built.
 */
export function restrictedNix(dir: string): string[] {
  return ['--option', 'restrict-eval', 'true', '--store', 'dummy://', '-I', `proposal=${dir}`];
}

/** How a build runs: `bwrap` is its path, or null to run nix on the host (said in the log by the caller). */
export interface BuildSandbox {
  bwrap: string | null;
}

/** The build sandbox for this host: bwrap when installed, unless `mode` is 'none'. */
export function buildSandbox(mode: 'auto' | 'bwrap' | 'none' = 'auto'): BuildSandbox {
  return { bwrap: mode === 'none' ? null : findExecutable('bwrap') };
}

/** nix-instantiate as a path that resolves inside the sandbox, and the host dir that must be bound for it. */
function nixInstantiate(): { bin: string; root: string } {
  const found = findExecutable('nix-instantiate');
  if (!found) throw new NixNotFoundError();
  // Keep the basename: nix-instantiate is a link to `nix`, which dispatches on argv[0].
  const bin = path.join(realpathSync(path.dirname(found)), path.basename(found));
  return { bin, root: appRoot(bin) };
}

/**
 * bwrap's argv for a build: the tree read-only at /proposal, the OS's /usr, the nix
 * store and binaries, an empty /tmp, no network, no host env; nothing else of the host
 * (no /etc, no state root, no /root). Runs as the agent's uid with no capabilities.
 */
export function buildBwrapArgs(o: { tree: string; nixBin: string; nixRoot: string; disableUserns?: boolean }): string[] {
  const args: string[] = [];
  const bound: string[] = [];
  const roBind = (p: string) => {
    if (covered(p, bound) || !existsSync(p)) return;
    args.push('--ro-bind', p, p);
    bound.push(p);
  };
  roBind('/usr');
  args.push(...topLevelLinks(roBind));
  roBind('/nix/store');
  roBind(o.nixRoot);
  roBind(path.dirname(o.nixBin));
  args.push(
    '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp',
    '--ro-bind', path.resolve(o.tree), PROPOSAL_DIR,
    '--chdir', PROPOSAL_DIR,
    '--clearenv',
    '--setenv', 'PATH', path.dirname(o.nixBin),
    '--setenv', 'HOME', '/tmp',
    // nix asks who it runs as; there is no /etc/passwd in here.
    '--setenv', 'USER', AGENT_USER,
    '--unshare-net',
    ...isolationArgs({ disableUserns: o.disableUserns }),
    '--hostname', 'hive-build',
    '--',
    o.nixBin,
  );
  return args;
}

/**
 * Runs `nix-instantiate <args(dir)>` with cwd at the tree, where `dir` is the tree as nix
 * sees it (/proposal inside bwrap, the host path without); throws NixError carrying nix's
 * stderr, as runNix does.
 */
export async function runBuildNix(args: (dir: string) => string[], o: { tree: string; sandbox: BuildSandbox }): Promise<{ stdout: string }> {
  const dir = o.sandbox.bwrap ? PROPOSAL_DIR : path.resolve(o.tree);
  const rest = args(dir);
  const full = [...NIX_FEATURES, ...restrictedNix(dir), ...rest];
  let file: string;
  let argv: string[];
  if (o.sandbox.bwrap) {
    const nix = nixInstantiate();
    const { disableUserns } = bwrapFeatures(o.sandbox.bwrap);
    file = o.sandbox.bwrap;
    argv = [...buildBwrapArgs({ tree: o.tree, nixBin: nix.bin, nixRoot: nix.root, disableUserns }), ...full];
  } else {
    file = 'nix-instantiate';
    argv = full;
  }
  const r = await execa(file, argv, {
    cwd: path.resolve(o.tree),
    reject: false,
    // Without bwrap nothing else keeps the daemon's secrets (tokens, NIX_CONFIG access-tokens) out of nix.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', USER: process.env.USER ?? AGENT_USER },
    extendEnv: false,
  });
  if (r.failed && r.exitCode === undefined) {
    if ((r as { code?: string }).code === 'ENOENT') throw new NixNotFoundError({ cause: r });
    throw new NixError(rest, String(r.message), { cause: r });
  }
  if (r.exitCode !== 0) throw new NixError(rest, String(r.stderr || r.stdout || r.message));
  return { stdout: String(r.stdout) };
}
