import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { NixError, runNix } from '@hive/core';
import { BuildError } from '../errors.js';

/** What an agent's `agent.nix` says about its harness under `hive = { ... }`. */
export interface HiveSettings {
  model: string | null;
  env: Record<string, string>;
  mcpServers: Record<string, unknown>;
}

/** Names a config may set in the harness env; `HIVE_*` stays the runtime's. */
export const SETTINGS_ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const MCP_SERVER_NAME = /^[A-Za-z0-9_-]+$/;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/[\]-]*$/;

// The module is called with `{}` for each argument it names, so only `hive`
// is forced: a config using pkgs or lib elsewhere still reads cheaply.
const SETTINGS_EXPR = `{ file }:
let
  m = import file;
  formals = builtins.functionArgs m;
  args = if formals == {} then { config = {}; lib = {}; pkgs = {}; } else builtins.mapAttrs (_: _: {}) formals;
  r = if builtins.isFunction m then m args else m;
in r.hive or {}`;

/** Reads `hive.{model,env,mcpServers}` from `<appliedDir>/agent.nix` without building anything; throws BuildError. */
export async function readHiveSettings(appliedDir: string): Promise<HiveSettings> {
  const file = path.join(path.resolve(appliedDir), 'agent.nix');
  if (!existsSync(file)) throw new BuildError(`error: ${file} is missing: every agent config needs an agent.nix`);
  let stdout: string;
  try {
    // The path travels as --argstr, never spliced into the expression text.
    ({ stdout } = await runNix(['--eval', '--strict', '--json', '--argstr', 'file', file, '-E', SETTINGS_EXPR], {
      cwd: path.dirname(file),
      bin: 'nix-instantiate',
    }));
  } catch (e) {
    if (e instanceof NixError) throw new BuildError(e.stderr, { cause: e });
    throw e;
  }
  return validateSettings(JSON.parse(stdout) as unknown);
}

/** The process runtime's build: `nix-instantiate --parse` of every tracked `.nix` file, then the `hive` settings. */
export async function checkBuild(appliedDir: string): Promise<HiveSettings> {
  const dir = path.resolve(appliedDir);
  if (!existsSync(dir)) throw new BuildError(`error: applied dir ${dir} does not exist`);
  const files = await nixFiles(dir);
  // Parse and settings read run side by side; a syntax error is the one reported when both fail.
  const parse =
    files.length === 0
      ? Promise.resolve()
      : runNix(['--parse', ...files.map((f) => `./${f}`)], { cwd: dir, bin: 'nix-instantiate' }).then(
          () => undefined,
          (e: unknown) => {
            throw e instanceof NixError ? new BuildError(e.stderr, { cause: e }) : e;
          },
        );
  const settings = readHiveSettings(dir);
  settings.catch(() => {}); // awaited below, after the parse
  await parse;
  return settings;
}

/** `.nix` files of the working tree: git's tracked list when it is a repo (what a flake would see), else a walk. */
async function nixFiles(dir: string): Promise<string[]> {
  if (existsSync(path.join(dir, '.git'))) {
    const r = await execa('git', ['ls-files', '-z', '--', '*.nix'], { cwd: dir, env: { GIT_CONFIG_NOSYSTEM: '1' } });
    return r.stdout.split('\0').filter(Boolean).filter((f) => existsSync(path.join(dir, f)));
  }
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && e.name !== '.git' && e.name !== 'node_modules') walk(p);
      else if (e.isFile() && e.name.endsWith('.nix')) out.push(p);
    }
  };
  walk('');
  return out.sort();
}

function fail(message: string): never {
  throw new BuildError(`error: agent.nix: ${message}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Shape-checks the evaluated `hive` attrset; a bad value is a failed build naming the attribute. */
export function validateSettings(raw: unknown): HiveSettings {
  if (!isPlainObject(raw)) fail(`hive must be an attribute set, got ${JSON.stringify(raw)}`);
  // Other keys belong to the NixOS side (harness-base options) and are not ours to judge.

  let model: string | null = null;
  if (raw.model !== undefined && raw.model !== null) {
    if (typeof raw.model !== 'string' || raw.model.length > 100 || !MODEL_NAME.test(raw.model))
      fail(`hive.model must be a model name (letters, digits and . _ - : / [ ], at most 100), got ${JSON.stringify(raw.model).slice(0, 60)}`);
    model = raw.model;
  }

  const env: Record<string, string> = {};
  if (raw.env !== undefined) {
    if (!isPlainObject(raw.env)) fail('hive.env must be an attribute set of strings');
    for (const [k, v] of Object.entries(raw.env)) {
      if (!SETTINGS_ENV_NAME.test(k)) fail(`hive.env.${k}: variable names are upper-case letters, digits and _`);
      if (k.startsWith('HIVE_')) fail(`hive.env.${k}: HIVE_* variables are set by hyperhive and cannot be overridden`);
      if (typeof v !== 'string') fail(`hive.env.${k} must be a string, got ${JSON.stringify(v).slice(0, 60)}`);
      env[k] = v;
    }
  }

  let mcpServers: Record<string, unknown> = {};
  if (raw.mcpServers !== undefined) {
    if (!isPlainObject(raw.mcpServers)) fail('hive.mcpServers must be an attribute set (name → server config)');
    for (const [k, v] of Object.entries(raw.mcpServers)) {
      if (!MCP_SERVER_NAME.test(k)) fail(`hive.mcpServers.${k}: server names are letters, digits, _ and -`);
      if (!isPlainObject(v)) fail(`hive.mcpServers.${k} must be an attribute set (command, args, env or url)`);
    }
    mcpServers = raw.mcpServers;
  }
  return { model, env, mcpServers };
}
