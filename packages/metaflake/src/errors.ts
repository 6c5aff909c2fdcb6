import { HiveError, firstErrorLine } from '@hive/core';

/** An option of a meta-flake call is unusable (path, URL, port, label, system); nothing was written. */
export class InvalidMetaOptionError extends HiveError {
  readonly code = 'INVALID_META_OPTION';
  constructor(readonly option: string, problem: string) {
    super(`${option}: ${problem}`);
  }
}

/** A commit sha that is not 7–40 hex digits. */
export class InvalidShaError extends HiveError {
  readonly code = 'INVALID_SHA';
  constructor(readonly value: string) {
    super(`invalid commit sha ${JSON.stringify(value.length > 50 ? value.slice(0, 50) + '…' : value)}: use 7–40 hex digits`);
  }
}

/** The sha to deploy is not in the agent's applied repo. */
export class UnknownCommitError extends HiveError {
  readonly code = 'UNKNOWN_COMMIT';
  constructor(readonly sha: string, readonly agent: string) {
    super(`commit ${sha} is not in applied/${agent}: fetch it into the applied repo (proposal/<id>) first`);
  }
}

/** The meta flake has no commit yet, or no input for this agent. */
export class AgentNotInMetaError extends HiveError {
  readonly code = 'AGENT_NOT_IN_META';
  constructor(readonly agent: string | null) {
    super(
      agent === null
        ? 'the meta flake has no commit yet: sync the agents first (syncAgents)'
        : `agent-${agent} is not an input of the meta flake: sync the agents first (spawn ${agent})`,
    );
  }
}

/** finalizeDeploy found the lock not pinned to the sha it was asked to record. */
export class DeployNotPreparedError extends HiveError {
  readonly code = 'DEPLOY_NOT_PREPARED';
  constructor(readonly agent: string, readonly wanted: string, readonly locked: string | null) {
    super(`agent-${agent} is locked at ${locked ?? 'nothing'}, not ${wanted}: call prepareDeploy first`);
  }
}

/** A git command on the meta repo (or a stub repo) failed. */
export class MetaGitError extends HiveError {
  readonly code = 'META_GIT_FAILED';
  constructor(readonly args: readonly string[], readonly stderr: string, options?: { cause?: unknown }) {
    super(`git ${args.slice(0, 2).join(' ')} failed: ${firstErrorLine(stderr)}`, options);
  }
}

/** An agent of the sync has no applied repo with a main branch, so its input cannot be locked. */
export class AppliedRepoMissingError extends HiveError {
  readonly code = 'APPLIED_REPO_MISSING';
  constructor(readonly agents: readonly string[], options?: { cause?: unknown }) {
    super(`no applied repo with a main branch for ${agents.join(', ')}: set up applied/<name> (spawn) before syncing the meta flake`, options);
  }
}
