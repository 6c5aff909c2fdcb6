import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ApprovalQueuedResponse, Sha } from '@hive/protocol';
import type { AgentApiClient } from './agent-api.js';

/** Tool names only the manager gets. */
export const MANAGER_TOOLS = ['request_init_config', 'request_apply_commit'] as const;
/** Tool names every agent gets. */
export const AGENT_TOOLS = ['ask_operator', 'send_message'] as const;

const agentName = z.string().regex(/^[a-z][a-z0-9-]{0,8}$/, 'an agent name: ^[a-z][a-z0-9-]*$, 1-9 chars');

async function toolCall(run: () => Promise<string>): Promise<CallToolResult> {
  try {
    return { content: [{ type: 'text', text: await run() }] };
  } catch (err) {
    return { content: [{ type: 'text', text: `error: ${(err as Error).message}` }], isError: true };
  }
}

function approvalText(raw: unknown, what: string): string {
  const r = ApprovalQueuedResponse.safeParse(raw);
  if (!r.success) return `${what} queued: ${JSON.stringify(raw)}`;
  const sha = r.data.fetched_sha ? ` (fetched ${r.data.fetched_sha.slice(0, 12)})` : '';
  return `${what} queued as approval #${r.data.approval_id}${sha}; the operator must approve it. You get an ApprovalResolved event in your inbox when it is decided.`;
}

/** Builds the agent's MCP server: the manager's config tools only when `isManager`, and the tools every agent has. */
export function createAgentMcpServer(opts: { api: AgentApiClient; isManager: boolean; name: string }): McpServer {
  const server = new McpServer({ name: 'hive', version: '0.1.0' });
  const { api } = opts;
  if (opts.isManager) {
    server.registerTool(
      'request_init_config',
      {
        description: "Ask the operator to approve the initial config of agent `name` (its proposed repo's current commit).",
        inputSchema: { name: agentName },
      },
      ({ name }) => toolCall(async () => approvalText(await api.call('request_init_config', { name }), `init config for ${name}`)),
    );
    server.registerTool(
      'request_apply_commit',
      {
        description: "Ask the operator to approve and deploy commit `sha` of agent `name`'s proposed config repo.",
        inputSchema: { name: agentName, sha: Sha },
      },
      ({ name, sha }) => toolCall(async () => approvalText(await api.call('request_apply_commit', { name, sha }), `commit ${sha} for ${name}`)),
    );
  }
  server.registerTool(
    'ask_operator',
    {
      description: "Ask the human operator a question. It shows on the dashboard; the answer arrives later in your inbox as an 'answer' item.",
      inputSchema: { question: z.string().trim().min(1).max(8000) },
    },
    ({ question }) =>
      toolCall(async () => {
        const r = z.object({ question_id: z.number() }).safeParse(await api.call('ask_operator', { question }));
        const id = r.success ? ` #${r.data.question_id}` : '';
        return `question${id} sent to the operator; the answer will arrive in your inbox.`;
      }),
  );
  server.registerTool(
    'send_message',
    {
      description: 'Send a message to another agent (by name); it lands in their inbox as one turn.',
      inputSchema: { to: agentName, text: z.string().trim().min(1).max(32000) },
    },
    ({ to, text }) =>
      toolCall(async () => {
        await api.call('send_message', { to, text });
        return `message delivered to ${to}.`;
      }),
  );
  return server;
}
