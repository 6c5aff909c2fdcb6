import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeyedMutex, validateAgentName } from '@hive/core';
import { git, runGit } from '@hive/gitops';
import { checkDir } from './options.js';

// Shipped beside src/ and dist/ (nix/stub/* in the repo are links to it): one copy.
const STUB_ROOT = fileURLToPath(new URL('../stub/', import.meta.url));
const NIXPKGS_PLACEHOLDER = '@stubNixpkgsUrl@';
// Two seeds of one stub dir in one process would race on git init; the meta repo is not locked here.
const seeding = new KeyedMutex();

/** Writes `files` into a git repo at `dir` (created if needed) and commits only when something changed. */
export async function writeRepo(dir: string, files: Record<string, string>, message: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  if (!existsSync(path.join(dir, '.git'))) await git(dir, ['init', '-q', '-b', 'main']);
  let wrote = false;
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    const old = existsSync(file) ? await readFile(file, 'utf8') : null;
    if (old !== content) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
      wrote = true;
    }
  }
  const head = (await runGit(dir, ['rev-parse', '--verify', '-q', 'HEAD'], { allowFailure: true })).stdout.trim();
  // Nothing new on disk and nothing staged on the side: leave the repo (index included) untouched.
  if (!wrote && head && (await runGit(dir, ['diff-index', '--quiet', head, '--'], { allowFailure: true })).exitCode === 0) return head;
  await git(dir, ['add', '-A', '--', ...Object.keys(files)]);
  const staged = await runGit(dir, ['diff', '--cached', '--quiet'], { allowFailure: true });
  if (staged.exitCode !== 0 || !head) await git(dir, ['commit', '-q', '--no-verify', '--no-gpg-sign', '-m', message]);
  return git(dir, ['rev-parse', 'HEAD']);
}

async function stubFiles(name: 'nixpkgs' | 'hyperhive'): Promise<Record<string, string>> {
  const dir = path.join(STUB_ROOT, name);
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir)).filter((f) => f.endsWith('.nix')).sort()) out[f] = await readFile(path.join(dir, f), 'utf8');
  return out;
}

/**
 * Creates (idempotently) an offline stand-in hyperhive flake as git repos under `dir`: `dir/nixpkgs`
 * (a stub nixpkgs whose lib.nixosSystem is a small module evaluator) and `dir/hyperhive` (exporting
 * nixosModules.harness-base with the hive.* options). Returns the git+file URL of `dir/hyperhive`.
 */
export async function seedLocalHyperhive(dir: string): Promise<{ url: string }> {
  const root = checkDir('dir', dir);
  return seeding.run(root, async () => {
    const nixpkgs = path.join(root, 'nixpkgs');
    const hyperhive = path.join(root, 'hyperhive');
    await writeRepo(nixpkgs, await stubFiles('nixpkgs'), 'stub nixpkgs');
    const files = await stubFiles('hyperhive');
    for (const f of Object.keys(files)) files[f] = files[f]!.replaceAll(NIXPKGS_PLACEHOLDER, `git+file://${nixpkgs}`);
    await writeRepo(hyperhive, files, 'stub hyperhive');
    return { url: `git+file://${hyperhive}` };
  });
}

/**
 * An applied repo for tests and benchmarks: `appliedRoot/<name>` with an agent flake exporting
 * `nixosModules.default = import ./agent.nix`; returns the commit. Real applied repos come from @hive/gitops.
 */
export async function seedAppliedAgent(o: { appliedRoot: string; name: string; agentNix?: string }): Promise<string> {
  const dir = path.join(checkDir('appliedRoot', o.appliedRoot), validateAgentName(o.name));
  const agentNix = o.agentNix ?? '{ ... }: {\n  hive.model = "sonnet";\n}\n';
  const flakeNix = `{\n  description = "hyperhive agent ${o.name}";\n  outputs = { self }: { nixosModules.default = import ./agent.nix; };\n}\n`;
  return writeRepo(dir, { 'agent.nix': agentNix, 'flake.nix': flakeNix }, `agent ${o.name}`);
}
