import { z } from 'zod';

/** Agent names are checked fully by @hive/core; the schema only bounds the size at the edge. */
const name = z.string().min(1).max(64);
/** A commit id: 4–64 hex chars (never a ref name or an option). */
/** Full shas only: a short prefix could be guessed into another repo's object. */
export const Sha = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i, 'a full commit sha: 40 (or 64) hex characters');

export const SpawnBody = z.object({ name });
export const RequestInitConfigBody = z.object({ name });
export const RequestApplyCommitBody = z.object({ name, sha: Sha });
export const AskOperatorBody = z.object({ question: z.string().trim().min(1).max(8000) });
export const SendMessageBody = z.object({ to: name, text: z.string().trim().min(1).max(32000) });
export const AnswerBody = z.object({ answer: z.string().trim().min(1).max(32000) });

export const ApprovalQueuedResponse = z.object({ approval_id: z.number().int().positive(), fetched_sha: z.string().nullable() });
export type ApprovalQueuedResponse = z.infer<typeof ApprovalQueuedResponse>;

/** Every error the daemon and harness answer with. */
export const ErrorBody = z.object({ error: z.string(), code: z.string().optional() });
export type ErrorBody = z.infer<typeof ErrorBody>;
