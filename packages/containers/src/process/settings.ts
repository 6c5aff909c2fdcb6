import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NixError } from '@hive/core';
import { git } from '@hive/gitops';
import { BuildError } from '../errors.js';
import { buildSandbox, runBuildNix, type BuildSandbox } from './build-sandbox.js';
import { validateSettings, type HiveSettings } from './hive-settings.js';

export { EMPTY_SETTINGS, PERMISSION_MODES, SETTINGS_ENV_NAME, validateSettings, type HiveLimits, type HiveSettings, type PermissionMode } from './hive-settings.js';

/** How a build runs: sandboxed by default (bwrap when installed); `none` runs nix on the host. */
export interface BuildOptions {
  sandbox?: BuildSandbox;
}

// The module is called with `{}` for each argument it names, so only `hive`
// is forced: a config using pkgs or lib elsewhere still reads cheaply.
const SETTINGS_EXPR = `{ file }:
let
  m = import file;
  formals = builtins.functionArgs m;
  args = if formals == {} then { config = {}; lib = {}; pkgs = {}; } else builtins.mapAttrs (_: _: {}) formals;
  r = if builtins.isFunction m then m args else m;
in r.hive or {}`;

function asBuildError(e: unknown): never {
  throw e instanceof NixError ? new BuildError(e.stderr, { cause: e }) : e;
}

/**
 * Reads `hive` settings from `<appliedDir>/agent.nix` without building anything; throws
 * BuildError. nix sees only the tree (in the build sandbox, restricted evaluation).
 */
export async function readHiveSettings(appliedDir: string, o: BuildOptions = {}): Promise<HiveSettings> {
  const dir = path.resolve(appliedDir);
  // Named relative to the tree: a note about the proposal, never a host path.
  if (!lstatOrNull(path.join(dir, 'agent.nix'))) throw new BuildError('error: agent.nix is missing: every agent config needs an agent.nix');
  const sandbox = o.sandbox ?? buildSandbox();
  // The path travels as --argstr, never spliced into the expression text.
  const { stdout } = await runBuildNix((d) => ['--eval', '--strict', '--json', '--argstr', 'file', `${d}/agent.nix`, '-E', SETTINGS_EXPR], {
    tree: dir,
    sandbox,
  }).catch(asBuildError);
  return validateSettings(JSON.parse(stdout) as unknown);
}

/**
 * The process runtime's build: `nix-instantiate --parse` of every tracked `.nix` file, then the
 * `hive` settings. Two kinds of file are not parsed again: agent.nix, which the settings read
 * imports (a syntax error there fails it with nix's own message), and a regular file whose exact
 * bytes parsed before in this process — parsing reads nothing but those bytes. A deploy that
 * changes only agent.nix thus starts one nix, not two.
 */
export async function checkBuild(appliedDir: string, o: BuildOptions = {}): Promise<HiveSettings> {
  const dir = path.resolve(appliedDir);
  if (!existsSync(dir)) throw new BuildError(`error: applied dir ${dir} does not exist`);
  const sandbox = o.sandbox ?? buildSandbox();
  const files = await nixFiles(dir);
  const toParse = files.filter((f) => !(f.hash && (f.path === 'agent.nix' || parsed.has(f.hash))));
  // Parse and settings read run side by side; a syntax error is the one reported when both fail.
  const parse =
    toParse.length === 0
      ? Promise.resolve()
      : runBuildNix(() => ['--parse', ...toParse.map((f) => `./${f.path}`)], { tree: dir, sandbox }).then(() => undefined, asBuildError);
  const settings = readHiveSettings(dir, { sandbox });
  settings.catch(() => {}); // awaited below, after the parse
  await parse;
  const read = await settings;
  remember(files.map((f) => f.hash));
  return read;
}

// sha-256 of regular .nix files that parsed (agent.nix's: its settings read passed), at most MAX_PARSED.
const MAX_PARSED = 4096;
const parsed = new Set<string>();
function remember(hashes: (string | null)[]): void {
  for (const h of hashes) {
    if (!h) continue;
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.add(h);
  }
}

/** A `.nix` file of the tree, with the hash of its bytes when it is a regular file (symlinks: null, always parsed). */
interface NixFile {
  path: string;
  hash: string | null;
}

/**
 * `.nix` files of the working tree: git's tracked list when it is a repo (what a flake would see),
 * else a walk; each regular file with the sha-256 of its bytes as they are on disk now.
 */
async function nixFiles(dir: string): Promise<NixFile[]> {
  let paths: string[];
  if (existsSync(path.join(dir, '.git'))) {
    const out = await git(dir, ['ls-files', '-z', '--', '*.nix']);
    paths = out.split('\0').filter(Boolean);
  } else {
    paths = [];
    const walk = (rel: string) => {
      for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
        const p = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory() && e.name !== '.git' && e.name !== 'node_modules') walk(p);
        else if ((e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.nix')) paths.push(p);
      }
    };
    walk('');
    paths.sort();
  }
  const files: NixFile[] = [];
  for (const p of paths) {
    // lstat: a tracked symlink is still parsed (inside the sandbox, where it cannot reach the host), never hashed.
    const st = lstatOrNull(path.join(dir, p));
    if (!st) continue;
    files.push({ path: p, hash: st.isFile() ? createHash('sha256').update(readFileSync(path.join(dir, p))).digest('hex') : null });
  }
  return files;
}

function lstatOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}
