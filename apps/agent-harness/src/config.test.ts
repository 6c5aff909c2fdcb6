import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseHarnessEnv } from './config.js';
import { HarnessConfigError } from './errors.js';
import { harnessMainPath } from './testing.js';

const base = { HIVE_NAME: 'coder', HIVE_PORT: '8202', HIVE_TOKEN: 'tok', HIVE_STATE: '/tmp/x' };

describe('parseHarnessEnv', () => {
  it('fills the defaults: label = name, model sonnet, claude command, loopback bind, 12 tries', () => {
    const c = parseHarnessEnv(base);
    expect(c).toMatchObject({ name: 'coder', label: 'coder', port: 8202, defaultModel: 'sonnet', claudeCommand: ['claude'], host: '127.0.0.1', bindTries: 12, isManager: false, mcpServers: {} });
  });

  it('reads a JSON argv claude command, manager flag, extra MCP servers and the daemon URL', () => {
    const c = parseHarnessEnv({
      ...base,
      HIVE_CLAUDE_CMD: '["node","/abs/fake-claude.mjs"]',
      HIVE_IS_MANAGER: '1',
      HIVE_MCP_SERVERS: '{"bb":{"command":"bb-mcp","args":["--x"]}}',
      HIVE_DAEMON_URL: 'http://127.0.0.1:7777/',
      HIVE_MODEL: 'opus',
    });
    expect(c.claudeCommand).toEqual(['node', '/abs/fake-claude.mjs']);
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
