import path from 'node:path';
import { runNix } from '@hive/core';
import { repoRoot } from './nix-files.js';

/** The offline stand-ins for nixpkgs: lib, a package set and evalModules. */
export const fixtures = path.join(repoRoot, 'tests/nix/fixtures');

/** A Nix path literal for an absolute path, safe for any characters a temp dir may hold. */
export function nixPath(abs: string): string {
  return `(/. + ${JSON.stringify(abs.replace(/^\//, ''))})`;
}

/** A path relative to the repo root, as a Nix path literal. */
export function repoPath(rel: string): string {
  return nixPath(path.join(repoRoot, rel));
}

export interface EvalOptions {
  /** Let the evaluation write to the store (builtins.toFile), e.g. to run a rendered script. */
  writeStore?: boolean;
}

/** Evaluates a Nix expression strictly and returns its JSON value. */
export async function evalJson<T = unknown>(expr: string, options: EvalOptions = {}): Promise<T> {
  const mode = options.writeStore ? ['--read-write-mode'] : [];
  const { stdout } = await runNix(['--eval', '--strict', '--json', ...mode, '-E', expr], { cwd: repoRoot, bin: 'nix-instantiate' });
  return JSON.parse(stdout) as T;
}

/**
 * Evaluates NixOS modules (Nix expressions: paths, functions or attrsets) with
 * the stub evalModules and returns `select` applied to its result
 * (`{ config, options, failedAssertions }`).
 */
export function evalModules<T = unknown>(modules: string[], select: string, options: EvalOptions = {}): Promise<T> {
  return evalJson<T>(`
    let
      pkgs = import ${nixPath(path.join(fixtures, 'stub-pkgs.nix'))};
      result = import ${nixPath(path.join(fixtures, 'eval-modules.nix'))} { modules = [ ${modules.map((m) => `(${m})`).join(' ')} ]; };
    in (${select}) result`,
    options,
  );
}
