/** Paths of the built harness entries, for tests that run them as processes. */
import { fileURLToPath } from 'node:url';

/** The built harness process (`hive-harness`). */
export const harnessMainPath = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/** The built stdio MCP server with the agent tools. */
export const mcpMainPath = fileURLToPath(new URL('../dist/mcp.js', import.meta.url));
