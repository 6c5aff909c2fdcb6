import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { NixError, NixNotFoundError } from './errors.js';

export const NIX_FEATURES = ['--extra-experimental-features', 'nix-command flakes'] as const;

/** Path of a local flake registry: nix 2.8 crashes on an empty or unreachable global one. */
export function flakeRegistryFile(): string {
  const file = process.env.HIVE_NIX_REGISTRY ?? path.join(os.tmpdir(), 'hyperhive-flake-registry.json');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{"flakes":[],"version":2}\n');
  }
  return file;
}

export interface NixOptions {
  cwd: string;
  /** Binary to run: `nix` (default) or `nix-instantiate`. */
  bin?: 'nix' | 'nix-instantiate';
  input?: string;
}

/** nix runs git itself (flake.lock's `git add`, `git+file` inputs): the same no-hooks rule as our own git calls. */
const NIX_GIT_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_COUNT: '2',
  GIT_CONFIG_KEY_0: 'core.hooksPath',
  GIT_CONFIG_VALUE_0: '/dev/null',
  GIT_CONFIG_KEY_1: 'core.fsmonitor',
  GIT_CONFIG_VALUE_1: 'false',
};

/** Runs nix with flakes enabled and the local registry; throws NixError carrying nix's stderr. */
export async function runNix(args: readonly string[], options: NixOptions): Promise<{ stdout: string; stderr: string }> {
  const bin = options.bin ?? 'nix';
  const full =
    bin === 'nix'
      ? [...NIX_FEATURES, '--option', 'flake-registry', flakeRegistryFile(), ...args]
      : [...NIX_FEATURES, ...args];
  try {
    const r = await execa(bin, full, {
      cwd: options.cwd,
      input: options.input,
      env: { NIX_CONFIG: process.env.NIX_CONFIG ?? '', ...NIX_GIT_ENV },
      reject: false,
    });
    // A failed eval can still print partial output: only the exit code counts.
    if (r.exitCode !== 0) throw new NixError(args, r.stderr || r.stdout || String(r.message));
    return { stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    if (e instanceof NixError) throw e;
    if ((e as { code?: string }).code === 'ENOENT') throw new NixNotFoundError({ cause: e });
    throw new NixError(args, String((e as Error).message), { cause: e });
  }
}
