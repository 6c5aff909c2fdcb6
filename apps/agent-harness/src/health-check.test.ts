import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runHealthChecks, type HealthMemo } from './health-check.js';
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

describe('runHealthChecks with a memo (what the harness keeps between deploys)', () => {
  it('does not start a stdio server again while its inputs are unchanged, and does when its command file or env changes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hive-health-memo-'));
    const log = path.join(dir, 'starts.log');
    // A real MCP server (the harness's own) behind a script that records each start.
    const script = path.join(dir, 'server.mjs');
    writeFileSync(script, `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(log)}, 'start\\n');\nawait import(${JSON.stringify(mcpEntryPath)});\n`);
    const starts = () => (readFileSync(log, 'utf8').match(/start/g) ?? []).length;
    const server = { ...hive, args: [script] };
    const memo: HealthMemo = new Map();
    const run = (s: Record<string, unknown>) => runHealthChecks({ claudeCommand: claude, mcpConfig: configWith({ s }), env: process.env, cwd: tmpdir(), timeoutMs: 10_000, memo });

    const first = await run(server);
    expect(first.ok).toBe(true);
    expect(starts()).toBe(1);
    const second = await run(server);
    expect(second.ok).toBe(true);
    expect(starts()).toBe(1);
    expect(second.checks.find((c) => c.name === 'mcp s')!.detail).toMatch(/unchanged since the check at/);
    expect(second.checks.find((c) => c.name === 'claude')!.detail).toMatch(/Claude Code.*unchanged since/);

    await run({ ...server, env: { ...server.env, HIVE_NAME: 'other' } });
    expect(starts()).toBe(2);
    // The same path with new contents (a new file identity) is checked again.
    writeFileSync(script, readFileSync(script, 'utf8') + '// changed\n');
    await run({ ...server, env: { ...server.env, HIVE_NAME: 'other' } });
    expect(starts()).toBe(3);
  });

  it('never keeps a failure: a server that failed is started again on the next check', async () => {
    const memo: HealthMemo = new Map();
    const dir = mkdtempSync(path.join(tmpdir(), 'hive-health-memo-'));
    const cmd = path.join(dir, 'mcp-late');
    const cfg = configWith({ late: { type: 'stdio', command: cmd, args: [], env: hive.env } });
    const opts = { claudeCommand: claude, mcpConfig: cfg, env: process.env, cwd: tmpdir(), timeoutMs: 10_000, memo };
    expect((await runHealthChecks(opts)).ok).toBe(false);
    // The command appears: the same config now passes, because it was checked again.
    writeFileSync(cmd, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(mcpEntryPath)}\n`, { mode: 0o755 });
    const again = await runHealthChecks(opts);
    expect(again.checks.find((c) => c.name === 'mcp late')).toMatchObject({ ok: true });
    expect(again.checks.find((c) => c.name === 'mcp late')!.detail ?? '').not.toMatch(/unchanged/);
  });
});
