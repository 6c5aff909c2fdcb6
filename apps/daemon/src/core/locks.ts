/**
 * The daemon's locks: one KeyedMutex (from @hive/core) keyed by agent name, plus the fixed keys in
 * context.ts (META_LOCK, APPROVAL_ID_LOCK). The meta repo is locked here only, not in @hive/metaflake:
 * a deploy spans several metaflake calls (prepare → build → finalize | abort) and only the daemon knows
 * where such a transaction ends, so a per-call lock inside the library could not cover it.
 */
export { KeyedMutex } from '@hive/core';
