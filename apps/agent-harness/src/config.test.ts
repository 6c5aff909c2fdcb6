import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_TOOLS, defaultClaudeCommand, parseHarnessEnv } from './config.js';
import { HarnessConfigError } from './errors.js';
import { harnessMainPath } from './testing.js';

const base = { HIVE_NAME: 'coder', HIVE_PORT: '8202', HIVE_TOKEN: 'tok', HIVE_STATE: '/tmp/x' };

describe('parseHarnessEnv', () => {
  it('fills the defaults: label = name, model sonnet, the installed claude, loopback bind, 12 tries, acceptEdits with the default tools', () => {
    const c = parseHarnessEnv(base);
    expect(c).toMatchObject({ name: 'coder', label: 'coder', port: 8202, defaultModel: 'sonnet', host: '127.0.0.1', bindTries: 12, isManager: false, mcpServers: {} });
    expect(c.claudeCommand).toEqual(defaultClaudeCommand());
    expect(c).toMatchObject({ permissionMode: 'acceptEdits', allowedTools: DEFAULT_ALLOWED_TOOLS, disallowedTools: [], maxTurns: null, appendSystemPrompt: '', budgetUsd: null, daemonKeySha256: null });
    expect(DEFAULT_ALLOWED_TOOLS).toEqual(['Bash', 'Read', 'Edit', 'Write', 'Glob', 'Grep', 'NotebookEdit', 'TodoWrite']);
  });

  it('defaults the claude command to the CLI pnpm installed, an absolute path that runs', async () => {
    const cmd = defaultClaudeCommand();
    expect(cmd[0]).toMatch(/^\//);
    const [file, ...args] = cmd;
    const r = await execa(file!, [...args, '--version']);
    expect(r.stdout).toMatch(/^2\.1\.332 \(Claude Code\)/);
  });

  it('reads the hive settings the runtime passes: permission mode, tool lists, max turns, appended prompt, budget, daemon key hash', () => {
    const c = parseHarnessEnv({
      ...base,
      HIVE_PERMISSION_MODE: 'plan',
      HIVE_ALLOWED_TOOLS: '["Bash(git *)","Read"]',
      HIVE_DISALLOWED_TOOLS: '["WebFetch"]',
      HIVE_MAX_TURNS: '12',
      HIVE_APPEND_SYSTEM_PROMPT: 'Be terse.',
      HIVE_BUDGET_USD: '2.5',
      HIVE_DAEMON_KEY_SHA256: 'a'.repeat(64),
    });
    expect(c).toMatchObject({
      permissionMode: 'plan',
      allowedTools: ['Bash(git *)', 'Read'],
      disallowedTools: ['WebFetch'],
      maxTurns: 12,
      appendSystemPrompt: 'Be terse.',
      budgetUsd: 2.5,
      daemonKeySha256: 'a'.repeat(64),
    });
    expect(parseHarnessEnv({ ...base, HIVE_ALLOWED_TOOLS: '[]' }).allowedTools).toEqual([]);
  });

  it('reads a JSON argv claude command, manager flag, extra MCP servers and the daemon URL', () => {
    const c = parseHarnessEnv({
      ...base,
      HIVE_CLAUDE_CMD: '["node","/abs/claude-cli.mjs"]',
      HIVE_IS_MANAGER: '1',
      HIVE_MCP_SERVERS: '{"bb":{"command":"bb-mcp","args":["--x"]}}',
      HIVE_DAEMON_URL: 'http://127.0.0.1:7777/',
      HIVE_MODEL: 'opus',
    });
    expect(c.claudeCommand).toEqual(['node', '/abs/claude-cli.mjs']);
    expect(c.isManager).toBe(true);
    expect(c.mcpServers).toEqual({ bb: { command: 'bb-mcp', args: ['--x'] } });
    expect(c.daemonUrl).toBe('http://127.0.0.1:7777');
    expect(c.defaultModel).toBe('opus');
  });

  it.each([
    [{ HIVE_NAME: 'Bad Name' }, 'HIVE_NAME'],
    [{ HIVE_PORT: '70000' }, 'HIVE_PORT'],
    [{ HIVE_MODEL: '--dangerously-skip' }, 'HIVE_MODEL'],
    [{ HIVE_CLAUDE_CMD: '[1,2' }, 'HIVE_CLAUDE_CMD'],
    [{ HIVE_MCP_SERVERS: '[]' }, 'HIVE_MCP_SERVERS'],
    [{ HIVE_TOKEN: '' }, 'HIVE_TOKEN is required'],
    [{ HIVE_PERMISSION_MODE: 'yolo' }, 'HIVE_PERMISSION_MODE'],
    [{ HIVE_ALLOWED_TOOLS: 'Bash' }, 'HIVE_ALLOWED_TOOLS not JSON'],
    [{ HIVE_ALLOWED_TOOLS: '["--dangerously-skip-permissions"]' }, 'HIVE_ALLOWED_TOOLS'],
    [{ HIVE_DISALLOWED_TOOLS: '["Bash\\nRead"]' }, 'HIVE_DISALLOWED_TOOLS'],
    [{ HIVE_MAX_TURNS: '0' }, 'HIVE_MAX_TURNS'],
    [{ HIVE_BUDGET_USD: '-1' }, 'HIVE_BUDGET_USD'],
    [{ HIVE_APPEND_SYSTEM_PROMPT: 'x'.repeat(16 * 1024 + 1) }, 'HIVE_APPEND_SYSTEM_PROMPT'],
    [{ HIVE_DAEMON_KEY_SHA256: 'A'.repeat(64) }, 'HIVE_DAEMON_KEY_SHA256'],
  ])('refuses %j naming the variable', (over, needle) => {
    expect(() => parseHarnessEnv({ ...base, ...over })).toThrow(HarnessConfigError);
    expect(() => parseHarnessEnv({ ...base, ...over })).toThrow(needle);
  });

  it('a bad config makes the process print one line and exit 2 without touching disk', async () => {
    const state = `/tmp/hive-never-${process.pid}`;
    const r = await execa(process.execPath, [harnessMainPath], {
      env: { ...base, HIVE_STATE: state, HIVE_PORT: 'abc' },
      extendEnv: false,
      reject: false,
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^hive-harness: bad harness config: HIVE_PORT /);
    expect(existsSync(state)).toBe(false);
  });
});
