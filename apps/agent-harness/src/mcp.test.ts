import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AskOperatorBody, RequestApplyCommitBody, RequestInitConfigBody, SendMessageBody } from '@hive/protocol';
import { readFileSync } from 'node:fs';
import { tempDir } from '@hive/testkit';
import { writeMcpConfig } from './mcp-config.js';
import { mcpMainPath } from './testing.js';

/** A real HTTP server speaking the daemon's agent API: bearer tokens, manager-only tools, the shared body schemas. */
const tokens: Record<string, { name: string; manager: boolean }> = {
  'mgr-token-1': { name: 'hm1nd', manager: true },
  'coder-token-1': { name: 'coder', manager: false },
};
const schemas = {
  request_init_config: RequestInitConfigBody,
  request_apply_commit: RequestApplyCommitBody,
  ask_operator: AskOperatorBody,
  send_message: SendMessageBody,
} as const;
const calls: Array<{ tool: string; agent: string; body: unknown }> = [];
let daemonUrl = '';
const daemon = http.createServer((req, res) => {
  let raw = '';
  req.on('data', (d: Buffer) => (raw += d.toString()));
  req.on('end', () => {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const tool = /^\/api\/agent\/(\w+)$/.exec(req.url ?? '')?.[1] as keyof typeof schemas | undefined;
    if (req.method !== 'POST' || !tool || !(tool in schemas)) return send(404, { error: 'not found' });
    const who = tokens[(req.headers.authorization ?? '').replace(/^Bearer /, '')];
    if (!who) return send(401, { error: 'unknown agent token' });
    if (tool.startsWith('request_') && !who.manager) return send(403, { error: `${tool} is for the manager only` });
    const body = schemas[tool].safeParse(JSON.parse(raw || 'null'));
    if (!body.success) return send(400, { error: 'bad body' });
    calls.push({ tool, agent: who.name, body: body.data });
    if (tool === 'ask_operator') return send(200, { question_id: 3 });
    if (tool === 'send_message') return send(200, { ok: true });
    return send(200, { approval_id: tool === 'request_init_config' ? 7 : 8, fetched_sha: 'abcdef0123456789abcdef0123456789abcdef01' });
  });
});

beforeAll(async () => {
  await new Promise<void>((r) => daemon.listen(0, '127.0.0.1', r));
  daemonUrl = `http://127.0.0.1:${(daemon.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => daemon.close(() => r())));

async function connect(token: string, manager: boolean): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [mcpMainPath],
    env: { HIVE_NAME: manager ? 'hm1nd' : 'coder', HIVE_TOKEN: token, HIVE_DAEMON_URL: daemonUrl, HIVE_IS_MANAGER: manager ? '1' : '0', PATH: process.env.PATH ?? '' },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'test', version: '0.0.0' });
  await client.connect(transport);
  return client;
}

type ToolResult = { content: Array<{ type: string; text?: string }>; isError?: boolean };
const textOf = (r: unknown) => (r as ToolResult).content.map((c) => c.text ?? '').join('');

describe('the agent MCP server (stdio)', () => {
  it('gives the manager all four tools and queues approvals with its token', async () => {
    const client = await connect('mgr-token-1', true);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['ask_operator', 'request_apply_commit', 'request_init_config', 'send_message']);
    const init = await client.callTool({ name: 'request_init_config', arguments: { name: 'coder' } });
    expect((init as ToolResult).isError).toBeFalsy();
    expect(textOf(init)).toContain('queued as approval #7 (fetched abcdef012345)');
    const apply = await client.callTool({ name: 'request_apply_commit', arguments: { name: 'coder', sha: 'abc1234abc1234abc1234abc1234abc1234abc12' } });
    expect(textOf(apply)).toContain('approval #8');
    expect(calls.slice(-2)).toEqual([
      { tool: 'request_init_config', agent: 'hm1nd', body: { name: 'coder' } },
      { tool: 'request_apply_commit', agent: 'hm1nd', body: { name: 'coder', sha: 'abc1234abc1234abc1234abc1234abc1234abc12' } },
    ]);
    await client.close();
  });

  it('refuses a short sha before it reaches the daemon (full 40 or 64 hex only)', async () => {
    const client = await connect('mgr-token-1', true);
    const before = calls.length;
    const r = await client.callTool({ name: 'request_apply_commit', arguments: { name: 'coder', sha: 'abc1234' } });
    expect(textOf(r)).toMatch(/a full commit sha: 40 \(or 64\) hex characters/);
    expect(calls.length).toBe(before);
  });

  it('refuses a malformed sha before calling the daemon', async () => {
    const client = await connect('mgr-token-1', true);
    const before = calls.length;
    const r = await client.callTool({ name: 'request_apply_commit', arguments: { name: 'coder', sha: '--upload-pack=x' } }).catch((e: Error) => ({ content: [{ type: 'text', text: e.message }], isError: true }));
    expect((r as ToolResult).isError).toBe(true);
    expect(calls.length).toBe(before);
    await client.close();
  });

  it('a non-manager does not even list the manager tools, and cannot call them', async () => {
    const client = await connect('coder-token-1', false);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['ask_operator', 'send_message']);
    const r = await client.callTool({ name: 'request_init_config', arguments: { name: 'coder' } }).catch((e: Error) => ({ content: [{ type: 'text', text: e.message }], isError: true }));
    expect((r as ToolResult).isError).toBe(true);
    expect(textOf(r)).toMatch(/not found/i);
    await client.close();
  });

  it('the daemon 403 for a manager-only call from a non-manager token comes back as a tool error', async () => {
    const client = await connect('coder-token-1', true);
    const before = calls.length;
    const r = await client.callTool({ name: 'request_init_config', arguments: { name: 'iris' } });
    expect((r as ToolResult).isError).toBe(true);
    expect(textOf(r)).toBe('error: /api/agent/request_init_config: request_init_config is for the manager only');
    expect(calls.length).toBe(before);
    await client.close();
  });

  it('ask_operator and send_message call the daemon with the agent token', async () => {
    const client = await connect('coder-token-1', false);
    expect(textOf(await client.callTool({ name: 'ask_operator', arguments: { question: 'may I?' } }))).toContain('question #3 sent');
    expect(textOf(await client.callTool({ name: 'send_message', arguments: { to: 'iris', text: 'hello' } }))).toBe('message delivered to iris.');
    expect(calls.slice(-2)).toEqual([
      { tool: 'ask_operator', agent: 'coder', body: { question: 'may I?' } },
      { tool: 'send_message', agent: 'coder', body: { to: 'iris', text: 'hello' } },
    ]);
    await client.close();
  });

  it('a wrong token is a tool error carrying the daemon message', async () => {
    const client = await connect('stolen-token', false);
    const r = await client.callTool({ name: 'send_message', arguments: { to: 'iris', text: 'x' } });
    expect((r as ToolResult).isError).toBe(true);
    expect(textOf(r)).toBe('error: /api/agent/send_message: unknown agent token');
    await client.close();
  });

  it('starts from the --mcp-config file the harness writes for claude', async () => {
    const file = writeMcpConfig({ stateDir: tempDir(), name: 'coder', token: 'coder-token-1', daemonUrl, isManager: false, extra: {} });
    const cfg = JSON.parse(readFileSync(file, 'utf8')) as { mcpServers: { hive: { command: string; args: string[]; env: Record<string, string> } } };
    const { command, args, env } = cfg.mcpServers.hive;
    const client = new Client({ name: 'test', version: '0.0.0' });
    await client.connect(new StdioClientTransport({ command, args, env, stderr: 'pipe' }));
    expect(textOf(await client.callTool({ name: 'send_message', arguments: { to: 'hm1nd', text: 'via config' } }))).toBe('message delivered to hm1nd.');
    expect(calls.at(-1)).toEqual({ tool: 'send_message', agent: 'coder', body: { to: 'hm1nd', text: 'via config' } });
    await client.close();
  });
});
