import { z } from 'zod';

/** One row of the append-only audit: who decided what (SPEC §9). */
export const AuditEntry = z.object({
  id: z.number().int().positive(),
  ts: z.string(),
  /** `operator:session` (dashboard), `operator:token` (CLI, scripts), `agent:<name>`, or `daemon`. */
  actor: z.string(),
  /** Peer address, `-` when unknown. */
  remote: z.string().nullable(),
  /** e.g. `login`, `approve`, `deny`, `spawn`, `agent.request_apply_commit`, `page.chat`. */
  action: z.string(),
  target: z.string().nullable(),
  /** `ok`, or `refused <status>: <error>`. */
  outcome: z.string(),
  detail: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const LoginBody = z.object({ token: z.string().min(1).max(512) }).strict();
