import { HiveError } from '@hive/core';

export class AgentNotFoundError extends HiveError {
  readonly code = 'AGENT_NOT_FOUND';
  constructor(readonly agent: string) {
    super(`no agent named ${agent}: spawn it first (hive spawn ${agent})`);
  }
}

export class AgentExistsError extends HiveError {
  readonly code = 'AGENT_EXISTS';
  constructor(readonly agent: string) {
    super(`agent ${agent} already exists: rebuild it (hive rebuild ${agent}) or destroy it first`);
  }
}

export class ApprovalNotFoundError extends HiveError {
  readonly code = 'APPROVAL_NOT_FOUND';
  constructor(readonly id: unknown) {
    super(`no approval with id ${String(id).slice(0, 40)}: list them with hive approvals`);
  }
}

export class ApprovalResolvedError extends HiveError {
  readonly code = 'APPROVAL_NOT_PENDING';
  constructor(readonly id: number, readonly current: string) {
    super(`approval ${id} is already ${current}: nothing to do`);
  }
}

export class QuestionNotFoundError extends HiveError {
  readonly code = 'QUESTION_NOT_FOUND';
  constructor(readonly id: unknown) {
    super(`no question with id ${String(id).slice(0, 40)}`);
  }
}

export class QuestionAnsweredError extends HiveError {
  readonly code = 'QUESTION_ANSWERED';
  constructor(readonly id: number) {
    super(`question ${id} is already answered`);
  }
}

/** An agent page's harness did not answer the daemon's forwarded request. */
export class AgentUnreachableError extends HiveError {
  readonly code = 'AGENT_UNREACHABLE';
  constructor(readonly agent: string, port: number, why: string) {
    super(`${agent}'s harness does not answer on port ${port}: is it running? (hive status) — ${why}`);
  }
}

/** A harness answered more than the daemon forwards. */
export class AgentAnswerTooLargeError extends HiveError {
  readonly code = 'AGENT_ANSWER_TOO_LARGE';
  constructor(readonly agent: string, max: number) {
    super(`${agent}'s harness answered more than ${max} bytes`);
  }
}

/** The operator froze the hive: deploys, rollbacks, spawns and rebuilds wait for `hive thaw`. */
export class FrozenError extends HiveError {
  readonly code = 'FROZEN';
  constructor(readonly reason: string) {
    super(`hive is frozen: ${reason} — thaw it first (hive thaw)`);
  }
}

/** A rollback with nowhere to go: no earlier deploy, or the target's tree is what already runs. */
export class NothingToRollBackError extends HiveError {
  readonly code = 'NOTHING_TO_ROLL_BACK';
}
