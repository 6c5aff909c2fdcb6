import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { claudeOfflineEnv, startScriptedApi, tempDir, type ScriptedApi } from '@hive/testkit';
import { apiErrorLine, claudeArgs, effectivePermissionMode, runClaude, type ClaudeOutcome, type ClaudePermissions } from './claude.js';
import { DEFAULT_ALLOWED_TOOLS } from './config.js';
import { realClaudeCommand } from './test-support/in-process.js';

const defaults: ClaudePermissions = { permissionMode: 'acceptEdits', allowedTools: DEFAULT_ALLOWED_TOOLS, disallowedTools: [], maxTurns: null };

describe('claudeArgs', () => {
  it('builds the SPEC §10 argv: stream-json with partial messages, strict MCP config, hive tools granted, the default tools, acceptEdits, the system prompt', () => {
    expect(claudeArgs({ prompt: 'hello', model: 'sonnet', mcpConfig: '/s/mcp-config.json', sessionId: null, permissions: defaults, systemPrompt: 'You are coder.' })).toEqual([
      '-p', 'hello',
      '--output-format', 'stream-json', '--verbose', '--include-partial-messages',
      '--model', 'sonnet',
      '--mcp-config', '/s/mcp-config.json', '--strict-mcp-config',
      '--allowedTools', 'mcp__hive', 'Bash', 'Read', 'Edit', 'Write', 'Glob', 'Grep', 'NotebookEdit', 'TodoWrite',
      '--permission-mode', 'acceptEdits',
      '--append-system-prompt', 'You are coder.',
    ]);
  });

  it('resumes the session after the first turn and passes the settings\' tool lists, max turns and mode', () => {
    const args = claudeArgs({
      prompt: 'next',
      model: 'opus',
      mcpConfig: '/m.json',
      sessionId: 'sess-1',
      permissions: { permissionMode: 'plan', allowedTools: ['Bash(git *)', 'mcp__hive'], disallowedTools: ['WebFetch', 'WebSearch'], maxTurns: 7 },
      systemPrompt: '',
    });
    expect(args.slice(11)).toEqual([
      '--resume', 'sess-1',
      '--allowedTools', 'mcp__hive', 'Bash(git *)',
      '--disallowedTools', 'WebFetch', 'WebSearch',
      '--permission-mode', 'plan',
      '--max-turns', '7',
    ]);
  });

  it('grants mcp__hive even when the settings grant nothing, and passes no mode for `default`', () => {
    const args = claudeArgs({ prompt: 'p', model: 'sonnet', mcpConfig: '/m.json', sessionId: null, permissions: { ...defaults, allowedTools: [], permissionMode: null }, systemPrompt: '' });
    expect(args.slice(args.indexOf('--allowedTools'))).toEqual(['--allowedTools', 'mcp__hive']);
    expect(effectivePermissionMode('default', 1000).mode).toBeNull();
  });
});

describe('effectivePermissionMode', () => {
  it('never passes bypassPermissions as uid 0: falls back to acceptEdits with a warning', () => {
    expect(effectivePermissionMode('bypassPermissions', 0)).toEqual({ mode: 'acceptEdits', warning: expect.stringMatching(/refused by claude as uid 0: using acceptEdits/) });
  });

  it('passes bypassPermissions for a non-root uid (the sandbox) and other modes as they are', () => {
    expect(effectivePermissionMode('bypassPermissions', 1000)).toEqual({ mode: 'bypassPermissions', warning: null });
    expect(effectivePermissionMode('plan', 0)).toEqual({ mode: 'plan', warning: null });
  });
});

describe('apiErrorLine', () => {
  const base = 'http://127.0.0.1:9';
  it('names status, kind and claude\'s detail, once', () => {
    expect(apiErrorLine({ status: 529, type: 'overloaded_error', kind: 'server_error', text: 'API Error: 529 Overloaded. Try again.' }, base)).toBe('API error 529 overloaded: Overloaded. Try again.');
    expect(apiErrorLine({ status: 500, type: 'api_error', kind: 'server_error', text: 'API Error: 500 Internal server error.' }, base)).toBe('API error 500 server error: Internal server error.');
  });

  it('says a rejected key is the key, and a transport failure names the URL it tried', () => {
    expect(apiErrorLine({ status: 401, type: 'authentication_error', kind: 'authentication_failed', text: 'Invalid API key · Fix external API key' }, base)).toBe(
      'API key rejected (401): Invalid API key · Fix external API key — set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) for the daemon',
    );
    expect(apiErrorLine({ status: null, type: null, kind: 'connection_failed', text: 'API Error: Connection refused (ECONNREFUSED)' }, base)).toBe(
      'cannot reach the API at http://127.0.0.1:9: Connection refused (ECONNREFUSED)',
    );
  });

  it('says a missing credential ("Not logged in", as the real CLI prints without a key) is one, not a network fault', () => {
    expect(apiErrorLine({ status: null, type: null, kind: null, text: 'Not logged in · Please run /login' }, 'https://api.anthropic.com')).toBe(
      "no API credential: Not logged in · Please run /login — set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) for the daemon, or run claude login with this agent's HOME",
    );
  });
});

describe('runClaude on a replay of real claude output', () => {
  // node -e prints the recorded file and ignores the claude flags runClaude appends.
  const replay = (name: string) => [process.execPath, '-e', 'process.stdout.write(require("fs").readFileSync(process.argv[1]))', fileURLToPath(new URL(`../test-fixtures/real-claude-${name}.jsonl`, import.meta.url))];
  const run = async (name: string) => {
    const chunks: string[] = [];
    const tools: string[] = [];
    const outcome = await runClaude({
      command: replay(name),
      prompt: 'x',
      model: 'sonnet',
      mcpConfig: '/dev/null',
      sessionId: null,
      permissions: defaults,
      systemPrompt: '',
      cwd: tmpdir(),
      env: { PATH: process.env.PATH, ANTHROPIC_BASE_URL: 'http://127.0.0.1:41875' },
      signal: new AbortController().signal,
      onText: (t) => chunks.push(t),
      onTool: (name) => tools.push(name),
    });
    return { outcome, chunks, tools };
  };

  it('streams a text-tool-text turn each text once, the second message set apart, and keeps the final text', async () => {
    const { outcome, chunks, tools } = await run('tool');
    expect(chunks.join('')).toBe(`Checking HEAD.\n\n${outcome.text.split('\n\n')[1]}`);
    expect(outcome.text).toMatch(/^Checking HEAD\.\n\nHEAD is [0-9a-f]{40}$/);
    expect(tools).toEqual(['Bash']);
    expect(outcome).toMatchObject({ status: 'ok', error: null, sawSession: true, result: { numTurns: 2 } });
  });

  it('turns a recorded 500 into one error line and no reply text', async () => {
    const { outcome, chunks } = await run('error');
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/^API error 500 server error: scripted internal failure\. This is a server-side issue/);
    expect(outcome.text).toBe('');
    expect(chunks).toEqual([]);
  });
});

describe('runClaude with the real CLI against a scripted API', () => {
  const apis: ScriptedApi[] = [];
  afterAll(async () => {
    for (const a of apis) await a.close();
  });

  async function turn(reply: Parameters<typeof startScriptedApi>[0], opts: { apiUrl?: string; permissions?: ClaudePermissions } = {}): Promise<{ outcome: ClaudeOutcome; chunks: string[]; ms: number }> {
    const api = await startScriptedApi(reply);
    apis.push(api);
    const home = tempDir('hive-claude-');
    const mcpConfig = path.join(home, 'mcp.json');
    writeFileSync(mcpConfig, JSON.stringify({ mcpServers: {} }));
    const chunks: string[] = [];
    const t0 = Date.now();
    const outcome = await runClaude({
      command: realClaudeCommand(),
      prompt: 'hello there',
      model: 'sonnet',
      mcpConfig,
      sessionId: null,
      permissions: opts.permissions ?? defaults,
      systemPrompt: 'You are coder.',
      cwd: home,
      env: claudeOfflineEnv({ apiUrl: opts.apiUrl ?? api.url, home }),
      signal: new AbortController().signal,
      onText: (t) => chunks.push(t),
    });
    return { outcome, chunks, ms: Date.now() - t0 };
  }

  it('streams the reply as deltas, each once, and reports the result\'s cost and usage', async () => {
    const { outcome, chunks } = await turn({ rules: [{ lastUserText: 'hello there', reply: { text: 'General Kenobi, you are a bold one.' } }], usage: { input_tokens: 1200, output_tokens: 34 } });
    expect(outcome).toMatchObject({ status: 'ok', text: 'General Kenobi, you are a bold one.', error: null, sawSession: true });
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe('General Kenobi, you are a bold one.');
    expect(outcome.result).toMatchObject({ isError: false, numTurns: 1, usage: { input_tokens: 1200, output_tokens: 34 } });
    expect(outcome.result!.costUsd).toBeGreaterThan(0);
    expect(outcome.result!.durationMs).toBeGreaterThan(0);
    expect(Object.keys(outcome.result!.modelUsage)).toHaveLength(1);
  });

  it.each([
    [529, 'overloaded_error', 'Overloaded', /^API error 529 overloaded: Overloaded\./],
    [500, 'api_error', 'Internal server error', /^API error 500 server error: Internal server error\./],
    [401, 'authentication_error', 'invalid x-api-key', /^API key rejected \(401\): /],
  ])('an HTTP %i from the API fails the turn with one line naming the cause, without the error posing as the reply', async (status, type, message, line) => {
    const { outcome, chunks, ms } = await turn([{ reply: { error: { status, type, message } } }]);
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(line);
    expect(outcome.error!.split('\n')).toHaveLength(1);
    expect(outcome.text).toBe('');
    expect(chunks).toEqual([]);
    expect(outcome.apiError?.status).toBe(status);
    expect(ms).toBeLessThan(30_000);
  });

  it('hive.maxTurns caps the run: claude stops after that many steps and the line says how to raise it', async () => {
    const { outcome } = await turn(
      [
        { hasToolResult: false, reply: { toolUse: { name: 'Bash', input: { command: 'true', description: 'nothing' } } } },
        { hasToolResult: true, reply: { toolUse: { name: 'Bash', input: { command: 'true', description: 'again' } } } },
      ],
      { permissions: { ...defaults, maxTurns: 1 } },
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toBe('claude stopped (error_max_turns): Reached maximum number of turns (1) — raise hive.maxTurns if the agent needs more steps');
  });

  it('a refused connection fails the turn with `cannot reach the API at <url>`', async () => {
    const closed = await startScriptedApi([]);
    await closed.close();
    const { outcome } = await turn([], { apiUrl: closed.url });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toBe(`cannot reach the API at ${closed.url}: Connection refused — a firewall or proxy may be blocking it (ECONNREFUSED)`);
  });
});
