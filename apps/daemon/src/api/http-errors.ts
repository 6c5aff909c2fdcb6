import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HiveError } from '@hive/core';
import type { Logger } from 'pino';

/**
 * Every error code the daemon answers with, and its HTTP status: the one place a status is decided.
 * Libraries carry codes only; a code missing here is answered 500 and logged (the test keeps it complete).
 */
export const HTTP_STATUS: Readonly<Record<string, ContentfulStatusCode>> = {
  // the request itself is malformed or names something malformed
  BAD_REQUEST: 400,
  INVALID_NAME: 400,
  PATH_ESCAPE: 400,
  INVALID_SHA: 400,
  AMBIGUOUS_SHA: 400,
  INVALID_REF: 400,
  INVALID_APPROVAL_ID: 400,
  INVALID_REMOTE_URL: 400,
  INVALID_META_OPTION: 400,
  INVALID_FLAKE_REF: 400,
  UNSAFE_NSPAWN_FLAG: 400,
  // who is asking
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  // what it names does not exist
  NOT_FOUND: 404,
  AGENT_NOT_FOUND: 404,
  APPROVAL_NOT_FOUND: 404,
  QUESTION_NOT_FOUND: 404,
  NOT_A_REPO: 404,
  REF_NOT_FOUND: 404,
  SHA_NOT_FOUND: 404,
  UNKNOWN_COMMIT: 404,
  // it conflicts with the current state: reload, then act
  AGENT_EXISTS: 409,
  APPROVAL_NOT_PENDING: 409,
  ALREADY_RESOLVED: 409,
  NOT_APPROVED: 409,
  QUESTION_ANSWERED: 409,
  TAG_EXISTS: 409,
  REF_MOVED: 409,
  PORT_TAKEN: 409,
  PORT_IN_USE: 409,
  PORT_HELD: 409,
  PRE_OVERHAUL_LAYOUT: 409,
  AGENT_NOT_IN_META: 409,
  DEPLOY_NOT_PREPARED: 409,
  APPLIED_REPO_MISSING: 409,
  STATE_DIR_BUSY: 409,
  FROZEN: 409,
  NOTHING_TO_ROLL_BACK: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // well-formed, but refused on its content
  UNSAFE_REPO: 422,
  PROPOSAL_REFUSED: 422,
  // an agent's harness, behind the daemon
  AGENT_UNREACHABLE: 502,
  AGENT_ANSWER_TOO_LARGE: 502,
  // the host's tools or files: the operator's fix, not the caller's
  INTERNAL: 500,
  GIT_FAILED: 500,
  GIT_NOT_FOUND: 500,
  META_GIT_FAILED: 500,
  NIX_FAILED: 500,
  NIX_NOT_FOUND: 500,
  BUILD_FAILED: 500,
  CONTAINER_FAILED: 500,
  CONTAINER_TOOL_NOT_FOUND: 500,
  HARNESS_START_FAILED: 500,
  BWRAP_NOT_FOUND: 500,
  UNSANDBOXED_ROOT: 500,
  INVALID_POLICY: 500,
  SECRET_FILE: 500,
};

/** The status for an error code: the table's, 500 for a code it does not know. */
export function statusFor(code: string): ContentfulStatusCode {
  return Object.hasOwn(HTTP_STATUS, code) ? HTTP_STATUS[code]! : 500;
}

/** No route answers this method and path. */
export class RouteNotFoundError extends HiveError {
  readonly code = 'NOT_FOUND';
  constructor(method: string, pathname: string) {
    super(`no route ${method} ${pathname}`);
  }
}

/** Maps any thrown value to `{error, code}` with the table's status; never a stack trace on the wire. */
export function errorResponse(c: Context, err: unknown, log: Logger): Response {
  if (err instanceof HiveError) {
    if (!Object.hasOwn(HTTP_STATUS, err.code)) log.warn({ code: err.code }, 'error code without an HTTP status: add it to HTTP_STATUS');
    return c.json({ error: oneLine(err.message), code: err.code }, statusFor(err.code));
  }
  log.error({ err }, 'unexpected error');
  return c.json({ error: `internal error: ${oneLine(String((err as Error)?.message ?? err))}`, code: 'INTERNAL' }, 500);
}

export function oneLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim()) ?? s;
  return line.length > 500 ? line.slice(0, 500) + '…' : line;
}
