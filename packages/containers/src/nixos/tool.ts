import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ContainerCommandError, ContainerToolNotFoundError } from '../errors.js';

export interface Ran {
  stdout: string;
  stderr: string;
}

// nixos-container's own `nix build` passes no feature flag (nixos-container.pl buildFlake), and a stock
// NixOS nix.conf has flakes off: `extra-` adds to whatever the host's nix.conf and NIX_CONFIG enable.
const FLAKES = 'extra-experimental-features = nix-command flakes';

/** NIX_CONFIG with flakes enabled on top of `base` (kept as is when it already has the line). */
export function nixConfigWithFlakes(base: string | undefined): string {
  const lines = (base ?? '').split('\n').filter((l) => l.trim() !== '');
  return lines.includes(FLAKES) ? lines.join('\n') : [...lines, FLAKES].join('\n');
}

/**
 * Runs one container tool call in a fresh private working directory, removed afterwards:
 * nixos-container builds into `$systemPath.tmp` with `$systemPath` unset, i.e. `./.tmp`, so two
 * calls sharing a cwd would swap each other's out-link (one container silently gets the other's system).
 * Returns null when allowMissing and the tool says the container does not exist.
 */
export async function runTool(
  bin: string,
  args: readonly string[],
  o: { env?: Record<string, string>; allowMissing?: boolean; workDir?: string },
): Promise<Ran | null> {
  const cwd = await mkdtemp(path.join(o.workDir ?? os.tmpdir(), 'hive-nixos-container-'));
  try {
    const env = { ...o.env, NIX_CONFIG: nixConfigWithFlakes(o.env?.NIX_CONFIG ?? process.env.NIX_CONFIG) };
    const r = await execa(bin, args, { cwd, env, stdin: 'ignore', reject: false });
    if ((r as { code?: string }).code === 'ENOENT') throw new ContainerToolNotFoundError(bin, { cause: r });
    const stdout = String(r.stdout ?? '');
    const stderr = String(r.stderr ?? '');
    if (!r.failed) return { stdout, stderr };
    if (o.allowMissing && /does not exist/.test(stderr)) return null;
    throw new ContainerCommandError([bin, ...args], stderr || (r.message ?? `exit code ${r.exitCode}`));
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}
