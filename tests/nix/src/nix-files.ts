import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NixError, runNix } from '@hive/core';
import { NixParseError } from './errors.js';

/** Build output, dependencies, VCS data and local runtime state: not the repo's own nix. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', '.turbo', '.hive-state', 'coverage', 'result']);

/** The monorepo root (the directory holding pnpm-workspace.yaml). */
export const repoRoot: string = (() => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  if (!existsSync(path.join(root, 'pnpm-workspace.yaml'))) throw new Error(`expected the monorepo root at ${root}`);
  return root;
})();

/** Every `.nix` file under root, relative and sorted, skipping build output, node_modules and .git. */
export function listNixFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(path.join(dir, entry.name));
      } else if (entry.isFile() && entry.name.endsWith('.nix')) {
        out.push(path.relative(root, path.join(dir, entry.name)));
      }
    }
  };
  walk(root);
  return out.sort();
}

/** Parses one file with `nix-instantiate --parse`; throws NixParseError naming the file. */
export async function checkNixParses(root: string, file: string): Promise<void> {
  try {
    await runNix(['--parse', file], { cwd: root, bin: 'nix-instantiate' });
  } catch (e) {
    if (e instanceof NixError) throw new NixParseError(file, e.stderr, { cause: e });
    throw e;
  }
}
