import path from 'node:path';
import { PathEscapeError } from './errors.js';

/** Resolves `parts` under `root` and refuses anything that lands outside it (`..`, absolute parts, the root itself). */
export function insideRoot(root: string, ...parts: string[]): string {
  const base = path.resolve(root);
  const target = path.resolve(base, ...parts);
  const rel = path.relative(base, target);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) throw new PathEscapeError(target, base);
  return target;
}

/** The state root's layout (SPEC §2), in one place. */
export function stateLayout(root: string) {
  const r = path.resolve(root);
  return {
    root: r,
    agentsDir: path.join(r, 'agents'),
    appliedRoot: path.join(r, 'applied'),
    stateRoot: path.join(r, 'state'),
    metaDir: path.join(r, 'meta'),
    dbFile: path.join(r, 'hive.db'),
    proposed: (n: string) => path.join(r, 'agents', n, 'config'),
    applied: (n: string) => path.join(r, 'applied', n),
    agentState: (n: string) => path.join(r, 'state', n),
    /** Daemon-only: the snapshot and checked copy of an agent's proposals, kept between requests (outside every bind). */
    proposalCache: (n: string) => path.join(r, 'cache', 'proposals', n),
  };
}
export type StateLayout = ReturnType<typeof stateLayout>;
