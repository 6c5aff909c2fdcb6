/** The git runner: fixed identity, machine config ignored, no shell. */
export { git, hiveGitIdentity } from './git.js';
/** Repos and refs: init, commit, resolve, move refs (with compare-and-swap), swap the working tree. */
export { initRepo, commitAll, revParse, readTreeReset, updateRef, resetWorkingTreeToMain } from './repo.js';
/** Tags: lightweight, annotated (message on stdin), read back, list. */
export { tag, tagAnnotated, readTagMessage, tagExists, listTags } from './tags.js';
/** Pull one commit from another repo and pin it as a tag, in one step. */
export { fetchToTag, type FetchToTagOptions } from './fetch-to-tag.js';
/** Unified diff + per-file stats, binary-safe, size-capped. */
export { diff, EMPTY_TREE, DEFAULT_DIFF_MAX_BYTES, type Diff, type DiffFile } from './diff.js';
/** An agent's two repos: proposed (manager-editable) and applied (deployed truth). */
export { setupProposed, type SetupProposedOptions } from './proposed.js';
export { setupApplied, type SetupAppliedOptions } from './applied.js';
export { AGENT_TEMPLATES, agentFiles } from './templates.js';
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
  plantFailed,
  plantDenied,
  approvalStateFromTags,
  type ApprovalTagState,
  type ApprovalTagStatus,
  type TerminalKind,
} from './approval-tags.js';
/** Typed errors, each with a stable `code` and an HTTP `status`. */
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
} from './errors.js';
