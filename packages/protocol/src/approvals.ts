import { z } from 'zod';

export const ApprovalStatus = z.enum(['pending', 'building', 'deployed', 'failed', 'denied']);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/**
 * `init` seeds a new agent's first config; `apply` deploys a commit of its proposed repo;
 * `rollback` deploys an earlier deployed tree as a new commit (the operator's, never proposed).
 */
export const ApprovalKind = z.enum(['init', 'apply', 'rollback']);
export type ApprovalKind = z.infer<typeof ApprovalKind>;

export const Approval = z.object({
  id: z.number().int().positive(),
  agent: z.string(),
  kind: ApprovalKind,
  status: ApprovalStatus,
  /** What the dashboard shows: fetched_sha (daemon-vouched) once fetched, else commit_ref. */
  sha: z.string().nullable(),
  commit_ref: z.string(),
  fetched_sha: z.string().nullable(),
  terminal_tag: z.string().nullable(),
  /** Build error (failed) or the operator's reason (denied). */
  note: z.string().nullable(),
  created_at: z.string(),
  resolved_at: z.string().nullable(),
  /** The tree the approval deploys (known once fetched). */
  tree: z.string().nullable().optional(),
  /**
   * Set when this approval's tree is one the hive took back (a rollback away from it, or a failed
   * health check): a re-proposal of an undone config is shown as such, with why.
   */
  undone: z
    .object({ how: z.enum(['rolled-back', 'auto-reverted']), by: z.number().int().positive(), at: z.string(), why: z.string() })
    .nullable()
    .optional(),
});
export type Approval = z.infer<typeof Approval>;

export const DiffFile = z.object({
  path: z.string(),
  added: z.number().int().nonnegative(),
  removed: z.number().int().nonnegative(),
  binary: z.boolean().default(false),
  /** What happened to the file; mode, symlink and submodule changes are never shown as plain text. */
  status: z.enum(['added', 'deleted', 'modified', 'type-changed']).optional(),
  old_mode: z.string().nullable().optional(),
  new_mode: z.string().nullable().optional(),
  kind: z.enum(['file', 'symlink', 'submodule']).optional(),
  /** This file's part of the text was cut at the per-file cap. */
  truncated: z.boolean().optional(),
});
export type DiffFile = z.infer<typeof DiffFile>;

export const ApprovalDiff = z.object({
  text: z.string(),
  files: z.array(DiffFile),
  /** True when the text was cut at the size cap; `files` stays complete. */
  truncated: z.boolean().default(false),
});
export type ApprovalDiff = z.infer<typeof ApprovalDiff>;

export const DenyBody = z.object({ reason: z.string().trim().min(1, 'a reason is required').max(4000) });
export type DenyBody = z.infer<typeof DenyBody>;

/** `POST /api/agents/:name/rollback`: the deployed/<id> tag to go back to (default: the deploy before the current one). */
export const RollbackBody = z.object({
  to: z.string().regex(/^deployed\/\d+$/, 'to must be a tag deployed/<id>').optional(),
  reason: z.string().trim().max(4000).optional(),
});
export type RollbackBody = z.infer<typeof RollbackBody>;

/** `POST /api/freeze`. */
export const FreezeBody = z.object({ reason: z.string().trim().max(4000).optional() });
export type FreezeBody = z.infer<typeof FreezeBody>;
