/** The git runner: fixed identity, machine config ignored, no shell; hooks, fsmonitor, replace refs, attributes files off. */
export { git, runGit, hiveGitIdentity, SAFE_ENV, type RunOptions, type RunResult } from './git.js';
/** Guards for repos an agent can write: plain-repo checks, a daemon-owned copy of their objects, full shas. */
export { assertPlainRepo } from './repo-guard.js';
export { snapshotObjects, disposeSnapshot, SNAPSHOT_MAX_BYTES, SNAPSHOT_MAX_FILES } from './object-snapshot.js';
export { assertSha, isFullSha } from './refs.js';
/** What a proposal may hold, checked before it queues; the operator relaxes it per agent. */
export { checkProposal, DEFAULT_PROPOSAL_POLICY, type ProposalPolicy } from './proposal-policy.js';
export { readAgentPolicy, agentPolicyFile, AgentPolicyFile } from './agent-policy.js';
export { flakeInputNames, FLAKE_INPUTS_TIMEOUT_MS, type FlakeInputs } from './flake-inputs.js';
/** Repos and refs: init, commit, resolve, move refs (with compare-and-swap), swap the working tree. */
export { initRepo, commitAll, revParse, readTreeReset, updateRef, resetWorkingTreeToMain } from './repo.js';
/** Batched plumbing: one ref transaction for many refs, one cat-file for many objects. */
export { updateRefs, type RefOp } from './ref-transaction.js';
export { catFileBatch, type CatFileEntry } from './cat-file-batch.js';
/** Tags: lightweight, annotated (message on stdin), read back, list. */
export { tag, tagAnnotated, readTagMessage, tagExists, listTags } from './tags.js';
/** Pull one commit from another repo and pin it as a tag, in one step. */
export { fetchToTag, type FetchToTagOptions } from './fetch-to-tag.js';
/** Unified diff + every file with modes, kind and counts; attributes off, capped per file and in total. */
export {
  diff,
  EMPTY_TREE,
  DEFAULT_DIFF_MAX_BYTES,
  DEFAULT_DIFF_MAX_FILE_BYTES,
  type Diff,
  type DiffFile,
  type DiffFileKind,
  type DiffFileStatus,
  type DiffOptions,
} from './diff.js';
/** An agent's two repos: proposed (manager-editable) and applied (deployed truth). */
export { setupProposed, type SetupProposedOptions } from './proposed.js';
export { setupApplied, readProposedMain, type SetupAppliedOptions } from './applied.js';
/** Look at one commit of an agent-writable repo in a daemon-owned copy (policy, init diffs). */
export { withFetchedCommit } from './inspect.js';
export { AGENT_TEMPLATES, agentFiles } from './templates.js';
/** What was deployed when, and a rollback as a new commit on main (history only grows). */
export { deployedIds, latestDeployedTag, previousDeployedTag, treeOf, plantRollbackProposal } from './deploy-history.js';
/** The approval state machine, kept as tags in the applied repo. */
export {
  proposalTag,
  approvedTag,
  buildingTag,
  deployedTag,
  failedTag,
  deniedTag,
  stampApproved,
  plantDeployed,
  plantDeployedOnMain,
  plantFailed,
  plantDenied,
  approvalStateFromTags,
  type ApprovalTagState,
  type ApprovalTagStatus,
  type TerminalKind,
} from './approval-tags.js';
/** Typed errors, each with a stable `code` (the server's table maps codes to HTTP statuses). */
export {
  GitError,
  GitNotFoundError,
  NotARepositoryError,
  RefNotFoundError,
  InvalidRefError,
  InvalidShaError,
  ShaNotFoundError,
  AmbiguousShaError,
  TagExistsError,
  RefMovedError,
  InvalidApprovalIdError,
  TerminalTagExistsError,
  NotApprovedError,
  PreOverhaulLayoutError,
  InvalidRemoteUrlError,
  UnsafeRepoError,
  ProposalRefusedError,
  InvalidPolicyError,
} from './errors.js';
