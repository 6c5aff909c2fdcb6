import { GitError, RefMovedError } from './errors.js';
import { runGit } from './git.js';
import { assertFullRef, assertSha } from './refs.js';

const ZERO = /^0+$/;

/**
 * One change of a ref transaction; shas are full object names (no rev-parse round trip). `old`
 * is the value the ref must still have (all zeros: must not exist); omitted, it is not checked.
 */
export type RefOp =
  | { op: 'create'; ref: string; sha: string }
  | { op: 'update'; ref: string; sha: string; old?: string }
  | { op: 'delete'; ref: string; old?: string }
  | { op: 'verify'; ref: string; old: string };

/** One op as an `update-ref --stdin` line (what updateRefs sends). */
export function refOpLine(o: RefOp): string {
  const ref = assertFullRef(o.ref);
  switch (o.op) {
    case 'create':
      return `create ${ref} ${assertSha(o.sha)}`;
    case 'update':
      return `update ${ref} ${assertSha(o.sha)}${o.old === undefined ? '' : ` ${assertSha(o.old)}`}`;
    case 'delete':
      return `delete ${ref}${o.old === undefined ? '' : ` ${assertSha(o.old)}`}`;
    case 'verify':
      return `verify ${ref} ${assertSha(o.old)}`;
  }
}

/**
 * Applies every op or none with one `git update-ref --stdin` (start, prepare, commit): one process
 * and one round of ref locks, so e.g. deployed/<id> and main's fast-forward land together or not at
 * all — no crash window between them. A ref that is not where an op expects it is RefMovedError.
 */
export async function updateRefs(repo: string, ops: readonly RefOp[], o: { message?: string } = {}): Promise<void> {
  if (ops.length === 0) return;
  const input = ['start', ...ops.map(refOpLine), 'prepare', 'commit', ''].join('\n');
  const args = ['update-ref', ...(o.message ? ['-m', o.message] : []), '--stdin'];
  const r = await runGit(repo, args, { input, allowFailure: true });
  if (r.exitCode === 0) return;
  // git names the ref that failed its check: "cannot lock ref 'refs/…': …".
  const ref = /cannot lock ref '([^']+)'/.exec(r.stderr)?.[1];
  const op = ref ? ops.find((x) => x.ref === ref) : undefined;
  if (op) {
    const expected = op.op === 'create' ? '0'.repeat(40) : 'old' in op && op.old !== undefined ? op.old : 'its current value';
    const actual = /is at ([0-9a-f]+)/.exec(r.stderr)?.[1] ?? (/(reference already exists)/.test(r.stderr) ? 'an existing ref' : null);
    throw new RefMovedError(ref!, ZERO.test(expected) ? 'nothing' : expected, actual);
  }
  throw new GitError(args, r.stderr);
}
