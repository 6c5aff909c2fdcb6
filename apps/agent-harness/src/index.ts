/** The harness as a library: config parsing, the wired harness and its HTTP app. */
export { parseHarnessEnv, type HarnessConfig, ClaudeCommand, McpServers } from './config.js';
export { Harness } from './harness.js';
export { createApp } from './app.js';
/** Binding with address reuse and a bounded EADDRINUSE retry. */
export { listenWithRetry, type BindOptions } from './bind.js';
/** The turn loop and its pieces. */
export { TurnLoop, type TurnLoopOptions } from './turn-loop.js';
export { runClaude, claudeArgs, type ClaudeRunOptions, type ClaudeOutcome } from './claude.js';
export { parseStreamLine, type StreamEvent } from './stream-json.js';
export { ModelStore } from './model.js';
export { History } from './history.js';
export { SessionStore } from './session.js';
/** Agent tools: the daemon client, the MCP server and its config file. */
export { AgentApiClient, type AgentApiOptions } from './agent-api.js';
export { createAgentMcpServer, MANAGER_TOOLS, AGENT_TOOLS } from './mcp-tools.js';
export { writeMcpConfig, mcpEntryPath, type McpConfigOptions } from './mcp-config.js';
/** Errors with stable codes. */
export { HarnessConfigError, BindFailedError, AgentApiError, BadRequestError } from './errors.js';
