/**
 * @hive/agent-harness as a library: exactly what `main.ts` composes (env → Harness → HTTP app).
 * No other package imports names from here today; the daemon resolves this entry only to find
 * `dist/main.js` and `dist/page/`. Internals (turn loop, claude runner, stores, MCP) stay unexported.
 */

/** The harness env, parsed once at startup (HIVE_*; a bad value is one line). */
export { parseHarnessEnv, type HarnessConfig } from './config.js';
/** One agent's harness wired together, and the HTTP app serving its page API. */
export { Harness } from './harness.js';
export { createApp } from './app.js';
/** Errors with stable codes. */
export { HarnessConfigError, BindFailedError, AgentApiError, BadRequestError } from './errors.js';
