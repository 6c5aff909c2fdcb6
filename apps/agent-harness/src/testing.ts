/** Paths for tests of this package and of the daemon: the fake `claude` and the built harness entries. */
import { fileURLToPath } from 'node:url';

/** A stand-in for `claude`: logs argv to $FAKE_CLAUDE_LOG, streams `echo: <prompt>`; FAIL fails, SLOW hangs. */
export const fakeClaudePath = fileURLToPath(new URL('../test-fixtures/fake-claude.mjs', import.meta.url));
/** The built harness process (`hive-harness`). */
export const harnessMainPath = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/** The built stdio MCP server with the agent tools. */
export const mcpMainPath = fileURLToPath(new URL('../dist/mcp.js', import.meta.url));
/** `HIVE_CLAUDE_CMD` value that runs the fake claude with this node. */
export const fakeClaudeCommand = JSON.stringify([process.execPath, fakeClaudePath]);
