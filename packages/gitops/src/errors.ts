import { HiveError } from '@hive/core';

/** A git command exited non-zero; the full stderr stays on the error. */
export class GitError extends HiveError {
  readonly code = 'GIT_FAILED';
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`git ${args.slice(0, 2).join(' ')} failed: ${gitErrorLine(stderr)}`, options);
  }
}

export class GitNotFoundError extends HiveError {
  readonly code = 'GIT_NOT_FOUND';
  constructor(options?: { cause?: unknown }) {
    super('git is not installed or not on PATH: install it (Debian: apt-get install git)', options);
  }
}

export class NotARepositoryError extends HiveError {
  readonly code = 'NOT_A_REPO';
  constructor(readonly repo: string) {
    super(`${repo} is not a git repository (or does not exist)`);
  }
}

export class RefNotFoundError extends HiveError {
  readonly code = 'REF_NOT_FOUND';
  constructor(readonly ref: string, readonly repo: string) {
    super(`${ref} does not name a commit in ${repo}`);
  }
}

export class InvalidRefError extends HiveError {
  readonly code = 'INVALID_REF';
  constructor(readonly what: string, readonly value: string, expected: string) {
    super(`invalid ${what} ${JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value)}: expected ${expected}`);
  }
}

export class InvalidShaError extends HiveError {
  readonly code = 'INVALID_SHA';
  constructor(readonly value: string) {
    super(
      `invalid sha ${JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value)}: expected the full 40 (or 64) hex digits of a commit (git rev-parse HEAD)`,
    );
  }
}

export class ShaNotFoundError extends HiveError {
  readonly code = 'SHA_NOT_FOUND';
  constructor(readonly sha: string, readonly repo: string) {
    super(`commit ${sha} not found in ${repo} — commit it there first (and check the sha)`);
  }
}

export class AmbiguousShaError extends HiveError {
  readonly code = 'AMBIGUOUS_SHA';
  constructor(readonly sha: string, readonly repo: string, readonly candidates: readonly string[]) {
    super(`sha ${sha} is ambiguous in ${repo} (${candidates.length} commits match) — give more hex digits`);
  }
}

export class TagExistsError extends HiveError {
  readonly code = 'TAG_EXISTS';
  constructor(readonly tag: string, readonly repo: string) {
    super(`tag ${tag} already exists in ${repo}`);
  }
}

export class RefMovedError extends HiveError {
  readonly code = 'REF_MOVED';
  constructor(
    readonly ref: string,
    readonly expected: string,
    readonly actual: string | null,
  ) {
    super(`${ref} moved: expected ${expected}, found ${actual ?? 'nothing'} — reload and retry`);
  }
}

export class InvalidApprovalIdError extends HiveError {
  readonly code = 'INVALID_APPROVAL_ID';
  constructor(readonly value: unknown) {
    super(`invalid approval id ${JSON.stringify(value)}: expected a positive integer`);
  }
}

export class TerminalTagExistsError extends HiveError {
  readonly code = 'ALREADY_RESOLVED';
  constructor(readonly id: number, readonly existing: string) {
    super(`approval ${id} is already resolved as ${existing}`);
  }
}

export class NotApprovedError extends HiveError {
  readonly code = 'NOT_APPROVED';
  constructor(readonly id: number) {
    super(`approval ${id} was never approved (no building/${id} tag) — approve it before marking it deployed`);
  }
}

export class PreOverhaulLayoutError extends HiveError {
  readonly code = 'PRE_OVERHAUL_LAYOUT';
  constructor(readonly dir: string, readonly agent: string) {
    super(
      `${dir} has no deployed/0 tag (pre-overhaul layout): run \`hive destroy ${agent} --purge\` and spawn ${agent} again`,
    );
  }
}

/** The telling line of git's stderr (`fatal:` / `error:` first) for one-line messages. */
export function gitErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? 'no output';
}

export class InvalidRemoteUrlError extends HiveError {
  readonly code = 'INVALID_REMOTE_URL';
  constructor(readonly url: string) {
    super(`invalid remote url ${JSON.stringify(url)}: it must not be empty or start with "-"`);
  }
}

/** A repo an agent can write is not a plain repo (symlink, gitfile, alternates…): git is not run in it. */
export class UnsafeRepoError extends HiveError {
  readonly code = 'UNSAFE_REPO';
  constructor(readonly dir: string, readonly reason: string) {
    // Named as the agent sees it: the manager reads this message and need not learn the state root's host path.
    super(`refusing ${agentView(dir)}: ${reason}`);
  }
}

/** `<root>/agents/<n>/config` → `/agents/<n>/config` (the manager's view); other paths by their last part. */
function agentView(dir: string): string {
  const m = /[\\/]agents[\\/]([^\\/]+)[\\/]config$/.exec(dir);
  return m ? `/agents/${m[1]}/config` : (dir.split(/[\\/]/).filter(Boolean).pop() ?? dir);
}

/** A proposal broke a rule of the agent's proposal policy; `file` and `rule` name what. */
export class ProposalRefusedError extends HiveError {
  readonly code = 'PROPOSAL_REFUSED';
  constructor(readonly file: string, readonly rule: string, detail: string) {
    super(`proposal refused: ${detail}`);
  }
}

/** `<state>/policy/<name>.json` exists but is not a valid policy: the operator's file, so the operator's fix. */
export class InvalidPolicyError extends HiveError {
  readonly code = 'INVALID_POLICY';
  constructor(readonly file: string, reason: string) {
    super(`invalid proposal policy ${file}: ${reason} — fix or remove the file`);
  }
}
