import type { Context } from 'hono';
import type { Logger } from 'pino';
import { errorResponse as edgeErrorResponse, statusFor as tableStatus, type StatusTable } from '@hive/http-edge';

/**
 * Every error code the daemon answers with, and its HTTP status: the one place a status is decided.
 * Libraries carry codes only; a code missing here is answered 500 and logged (the test keeps it complete).
 */
export const HTTP_STATUS: StatusTable = {
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
  INVALID_LIMIT: 422,
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
  INVALID_NETWORK_MODE: 500,
  SECRET_FILE: 500,
};

/** The status for an error code: the table's, 500 for a code it does not know. */
export function statusFor(code: string): ReturnType<typeof tableStatus> {
  return tableStatus(HTTP_STATUS, code);
}

/** Any thrown value as the edge's `{error, code}` with this table's status; never a stack trace on the wire. */
export function errorResponse(c: Context, err: unknown, log: Logger): Response {
  return edgeErrorResponse(c, err, { status: HTTP_STATUS, log });
}
