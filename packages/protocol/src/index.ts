/** Approvals: statuses, rows, diffs and the deny body. */
export { ApprovalStatus, ApprovalKind, Approval, DiffFile, ApprovalDiff, DenyBody, RollbackBody, FreezeBody } from './approvals.js';
/** `GET /api/state`: agents, port conflicts, questions, messages. */
export {
  AgentStatus,
  AgentUsage,
  AgentActivity,
  AgentState,
  HealthCheck,
  AgentHealth,
  FreezeState,
  PortConflict,
  Question,
  AgentMessage,
  HiveState,
} from './state.js';
/** Persisted events and the live socket's frames. */
export {
  EventType,
  HiveEvent,
  EventFrame,
  EventData,
  TypedHiveEvent,
  parseHiveEvent,
  type EventDataOf,
  type HiveEventOf,
} from './events.js';
/** Request bodies of the operator and agent APIs, and the error body. */
export {
  Sha,
  SpawnBody,
  RequestInitConfigBody,
  RequestApplyCommitBody,
  AskOperatorBody,
  SendMessageBody,
  AnswerBody,
  ApprovalQueuedResponse,
  ErrorBody,
} from './requests.js';
/** The agent harness: its state, inbox items, chat log and socket frames. */
export { ModelName, HarnessState, InboxItem, ChatEntry, HarnessFrame } from './harness.js';
/** The audit trail and the dashboard login. */
export { AuditEntry, LoginBody } from './audit.js';
/** Per-turn usage, the harness's activity, and the agent API reports that carry them. */
export { HarnessActivity, UsageRecord, TurnReportBody, ActivityBody, HarnessUsageState } from './usage.js';
/** Invisible and control characters made visible, for terminals (`\x1b`, `<U+202E>`) and UIs (marks). */
export { escapeVisible, visibleParts, visibleName, hasInvisible, INVISIBLE, type VisibleStyle, type VisiblePart } from './visible.js';
