#!/usr/bin/env node
/** The agent's tools as a stdio MCP server; claude starts it from the --mcp-config file the harness writes. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { AgentApiClient } from './agent-api.js';
import { createAgentMcpServer } from './mcp-tools.js';

const Env = z.object({
  HIVE_NAME: z.string().min(1),
  HIVE_TOKEN: z.string().min(1),
  HIVE_DAEMON_URL: z.url(),
  HIVE_IS_MANAGER: z.enum(['0', '1']).default('0'),
});

const parsed = Env.safeParse(process.env);
if (!parsed.success) {
  const issue = parsed.error.issues[0]!;
  process.stderr.write(`hive-mcp: bad config: ${String(issue.path[0])} ${issue.message}\n`);
  process.exit(2);
}
const env = parsed.data;
const api = new AgentApiClient({ daemonUrl: env.HIVE_DAEMON_URL.replace(/\/+$/, ''), token: env.HIVE_TOKEN });
const server = createAgentMcpServer({ api, isManager: env.HIVE_IS_MANAGER === '1', name: env.HIVE_NAME });
await server.connect(new StdioServerTransport());
