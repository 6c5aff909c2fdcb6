import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runNix } from '@hive/core';
import { repoRoot } from './nix-files.js';

/** The offline stand-ins for nixpkgs: lib (with evalModules; metaflake's stub, re-exported) and a package set. */
export const fixtures = path.join(repoRoot, 'tests/nix/fixtures');

/** Where the stub lib lives: metaflake's stub nixpkgs, which the meta flake evaluates with offline. */
const stubNixpkgs = path.join(repoRoot, 'packages/metaflake/stub/nixpkgs');

/** The stub lib's files (lib.nix and the files it imports), name → content, to copy into a stub flake. */
export function stubLibFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(stubNixpkgs).filter((f) => f.endsWith('.nix') && f !== 'flake.nix')) {
    out[f] = readFileSync(path.join(stubNixpkgs, f), 'utf8');
  }
  return out;
}

/** Option prefixes hyperhive's modules declare: there, as in NixOS, an undeclared option is an error. */
const OWNED = '[ [ "hive" ] [ "services" "hyperhive" ] ]';

/**
 * A Nix expression evaluating the modules (a Nix list expression) with the stub lib's evalModules,
 * `pkgs` the stub package set: `{ config, options, failedAssertions }`.
 */
export function evalModulesExpr(modules: string): string {
  return `(import ${nixPath(path.join(fixtures, 'stub-lib.nix'))}).evalModules {
    modules = ${modules};
    specialArgs.pkgs = import ${nixPath(path.join(fixtures, 'stub-pkgs.nix'))};
    owned = ${OWNED};
  }`;
}

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
      result = ${evalModulesExpr(`[ ${modules.map((m) => `(${m})`).join(' ')} ]`)};
    in (${select}) result`,
    options,
  );
}
