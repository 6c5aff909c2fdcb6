import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runHealthChecks } from './health-check.js';
import { resolveClaudeCommand } from './claude-bin.js';
import { mcpEntryPath } from './mcp-config.js';

const claude = resolveClaudeCommand()!;

function configWith(servers: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hive-health-'));
  const file = path.join(dir, 'mcp-config.json');
  writeFileSync(file, JSON.stringify({ mcpServers: servers }));
  return file;
}

const hive = {
  type: 'stdio',
  command: process.execPath,
  args: [mcpEntryPath],
  env: { HIVE_NAME: 'coder', HIVE_TOKEN: 't', HIVE_DAEMON_URL: 'http://127.0.0.1:9', HIVE_IS_MANAGER: '0' },
};

describe('runHealthChecks', () => {
  it('passes when claude answers --version and every MCP server answers initialize', async () => {
    const r = await runHealthChecks({ claudeCommand: claude, mcpConfig: configWith({ hive }), env: process.env, cwd: tmpdir(), timeoutMs: 10_000 });
    expect(r.checks.map((c) => [c.name, c.ok])).toEqual([
      ['claude', true],
      ['mcp hive', true],
    ]);
    expect(r.ok).toBe(true);
    expect(r.checks[0]!.detail).toMatch(/Claude Code/);
  });

  it('fails on an MCP server whose command does not exist, naming it, while the others still pass', async () => {
    const r = await runHealthChecks({
      claudeCommand: claude,
      mcpConfig: configWith({ hive, fs: { type: 'stdio', command: '/nonexistent/mcp-fs', args: [] } }),
      env: process.env,
      cwd: tmpdir(),
      timeoutMs: 10_000,
    });
    expect(r.ok).toBe(false);
    const fs = r.checks.find((c) => c.name === 'mcp fs')!;
    expect(fs.ok).toBe(false);
    expect(fs.detail).toMatch(/ENOENT|not found|closed/i);
    expect(r.checks.find((c) => c.name === 'mcp hive')!.ok).toBe(true);
  });

  it('fails on a server that starts but never answers initialize, within the timeout', async () => {
    const silent = { type: 'stdio', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] };
    const r = await runHealthChecks({ claudeCommand: claude, mcpConfig: configWith({ silent }), env: process.env, cwd: tmpdir(), timeoutMs: 1500 });
    expect(r.checks.find((c) => c.name === 'mcp silent')).toMatchObject({ ok: false, detail: expect.stringMatching(/within 1500 ms/) });
  });

  it('fails when the claude command does not run, and on an unreadable config', async () => {
    const r = await runHealthChecks({ claudeCommand: ['/nonexistent/claude'], mcpConfig: '/nonexistent/mcp.json', env: process.env, cwd: tmpdir(), timeoutMs: 5000 });
    expect(r.ok).toBe(false);
    expect(r.checks.map((c) => [c.name, c.ok])).toEqual([
      ['claude', false],
      ['mcp-config', false],
    ]);
  });
});
