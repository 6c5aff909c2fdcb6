import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, git, startScriptedApi, type ScriptedApi } from '@hive/testkit';
import { lockedRev } from '@hive/metaflake';
import { findPortHolder } from '@hive/ports';
import { startDaemonProcess, hive, type DaemonProcess } from './test-support/daemon-process.js';

// Issue 13 through the CLI, on the process runtime as `hive up` runs it: the real harness (under
// bwrap when installed) and the real claude CLI; only the Anthropic API is scripted.
const PORTS = { HIVE_MANAGER_PORT: '27000', HIVE_AGENT_PORT_BASE: '27100' };

describe('deploys that can be undone (hive rollback, the health gate, hive freeze)', () => {
  let d: DaemonProcess;
  let api: ScriptedApi;
  let env: Record<string, string>;
  const sh = (args: string[]) => hive(args, env);
  const applied = () => path.join(d.stateDir, 'applied', 'coder');
  const proposed = () => path.join(d.stateDir, 'agents', 'coder', 'config');
  const main = async () => (await git(applied(), ['rev-parse', 'refs/heads/main'])).trim();
  const state = async () => JSON.parse((await sh(['status', '--json'])).stdout);
  const approvals = async () => JSON.parse((await sh(['approvals', '--json'])).stdout) as { id: number; status: string; kind: string; note: string | null; terminal_tag: string | null; undone: null | { how: string; by: number; why: string } }[];
  const agentNix = (hiveAttrs: string) => `{ config, lib, pkgs, ... }:\n{\n  hive = {\n${hiveAttrs}\n  };\n}\n`;

  /** Commits files in coder's proposed repo, queues it as the manager would, and returns the approval id. */
  async function propose(files: Record<string, string>, message: string): Promise<number> {
    const sha = await commitFiles(proposed(), files, message);
    const r = await sh(['request-apply', 'coder', sha]);
    expect(r.code, r.stderr).toBe(0);
    return Number(r.stdout.trim());
  }

  beforeAll(async () => {
    api = await startScriptedApi({
      rules: [{ lastUserText: 'long job', reply: { toolUse: { name: 'Bash', input: { command: 'timeout 120 tail -f /dev/null', description: 'a long job' } } } }],
    });
    d = await startDaemonProcess({
      env: {
        ...PORTS,
        ANTHROPIC_BASE_URL: api.url,
        ANTHROPIC_API_KEY: 'sk-ant-scripted',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        CLAUDE_CODE_MAX_RETRIES: '0',
        HIVE_HEALTH_TIMEOUT: '20',
      },
    });
    env = d.env;
    expect((await sh(['spawn', 'coder'])).code).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await d?.stop();
    await api?.close();
  });

  let first: number;
  it('rolls back to the deploy before: the old tree and model as a new commit on main, with the meta lock on it', async () => {
    first = await propose({ 'agent.nix': agentNix('    model = "opus";'), 'notes.md': 'v1' }, 'use opus');
    expect((await sh(['approve', String(first)])).code).toBe(0);
    const deployedMain = await main();
    expect((await state()).agents.find((a: { name: string }) => a.name === 'coder')).toMatchObject({ config_model: 'opus', deployed_tag: `deployed/${first}` });

    const r = await sh(['rollback', 'coder', '--reason', 'opus is too slow']);
    expect(r.code, r.stderr).toBe(0);
    const rid = first + 1;
    expect(r.stdout).toBe(`coder rolled back to deployed/0 as approval ${rid} (deployed/${rid})`);

    const now = await main();
    expect(now).not.toBe(deployedMain);
    expect((await git(applied(), ['rev-parse', `${now}^`])).trim()).toBe(deployedMain); // history only grows
    expect((await git(applied(), ['rev-parse', `${now}^{tree}`])).trim()).toBe((await git(applied(), ['rev-parse', 'deployed/0^{tree}'])).trim());
    expect((await git(applied(), ['log', '-1', '--format=%B', now])).trim()).toMatch(new RegExp(`^rollback to deployed/0 \\(from deployed/${first}\\)\\n\\nopus is too slow`));
    for (const t of ['proposal', 'approved', 'building', 'deployed']) expect((await git(applied(), ['rev-parse', `refs/tags/${t}/${rid}^{commit}`])).trim()).toBe(now);
    const meta = path.join(d.stateDir, 'meta');
    expect(await lockedRev(meta, 'coder')).toBe(now);
    expect((await git(meta, ['log', '-1', '--format=%s'])).trim()).toBe(`deploy coder deployed/${rid} ${now.slice(0, 12)}`);

    const coder = (await state()).agents.find((a: { name: string }) => a.name === 'coder');
    expect(coder).toMatchObject({ status: 'running', config_model: 'sonnet', deployed_tag: `deployed/${rid}`, health: { ok: true, approval_id: rid } });
    const rows = await approvals();
    expect(rows.find((a) => a.id === rid)).toMatchObject({ kind: 'rollback', status: 'deployed', note: 'rollback to deployed/0' });
    expect(rows.find((a) => a.id === first)!.undone).toMatchObject({ how: 'rolled-back', by: rid, why: 'rollback to deployed/0: opus is too slow' });
    expect((await sh(['approvals'])).stdout).toMatch(new RegExp(`^${first} +coder +apply +deployed .*rolled back by #${rid}: rollback to deployed/0: opus is too slow`, 'm'));
  });

  it('lets the manager fetch the rollback and rebase on it; the events say so', async () => {
    // As the manager's shell runs git: the remote URL mapped from the sandbox's /applied to the host path.
    const mgr = (args: string[]) => git(proposed(), ['-c', `url.${applied()}/.git.insteadOf=/applied/coder/.git`, ...args]);
    await mgr(['fetch', '-q', 'applied']);
    expect((await mgr(['log', '-1', '--format=%s', 'applied/main'])).trim()).toMatch(/^rollback to deployed\/0/);
    await mgr(['rebase', '-q', 'applied/main']);
    expect((await git(proposed(), ['rev-parse', 'HEAD^{tree}'])).trim()).toBe((await git(applied(), ['rev-parse', 'refs/heads/main^{tree}'])).trim());
    const r = await fetch(`${d.url}/api/events?limit=50`, { headers: { authorization: `Bearer ${readFileSync(path.join(d.stateDir, 'operator-token'), 'utf8').trim()}` } });
    const { events } = (await r.json()) as { events: { type: string; data: Record<string, unknown> }[] };
    expect(events.find((e) => e.type === 'RolledBack')?.data).toMatchObject({ agent: 'coder', to: 'deployed/0', from: `deployed/${first}`, auto: false });
    expect(events.some((e) => e.type === 'Rebuilt' && e.data.terminal_tag === `deployed/${first + 1}`)).toBe(true);
  });

  it('shows a re-proposal of the rolled-back tree as undone, with why', async () => {
    const again = await propose({ 'agent.nix': agentNix('    model = "opus";'), 'notes.md': 'v1' }, 'opus again');
    expect((await approvals()).find((a) => a.id === again)).toMatchObject({ status: 'pending', undone: { how: 'rolled-back', why: 'rollback to deployed/0: opus is too slow' } });
    expect((await sh(['deny', String(again), '--reason', 'no'])).code).toBe(0);
  });

  it('refuses a rollback to a tag that does not exist in one line, changing nothing', async () => {
    const before = await main();
    const r = await sh(['rollback', 'coder', '--to', 'deployed/999']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^hive: coder has no deployed\/999: hive approvals lists its deploys$/);
    expect((await sh(['rollback', 'coder', '--to', 'main'])).stderr).toMatch(/--to takes a tag deployed\/<id>/);
    expect(await main()).toBe(before);
  });

  it('fails and reverts a deploy whose MCP server cannot start: failed/<id> says why, the agent back on its old config', async () => {
    const before = await main();
    const id = await propose({ 'agent.nix': agentNix('    model = "haiku";\n    healthTimeout = 3;\n    mcpServers.fs = { command = "/nonexistent/mcp-fs"; };') }, 'add an fs server');
    const r = await sh(['approve', String(id)]);
    expect(r.code).toBe(1);
    const a = (await approvals()).find((x) => x.id === id)!;
    expect(a).toMatchObject({ status: 'failed', terminal_tag: `failed/${id}` });
    expect(a.note).toMatch(new RegExp(`^health check failed: mcp fs: .+ — reverted to deployed/${first + 1}$`));
    expect(a.undone).toMatchObject({ how: 'auto-reverted', by: id });
    expect(await git(applied(), ['tag', '-l', '--format=%(contents)', `failed/${id}`])).toMatch(/health check failed: mcp fs/);
    expect(await main()).toBe(before);
    expect((await git(applied(), ['status', '--porcelain'])).trim()).toBe('');
    const coder = (await state()).agents.find((x: { name: string }) => x.name === 'coder');
    expect(coder).toMatchObject({ status: 'running', config_model: 'sonnet', deployed_tag: `deployed/${first + 1}`, health: { ok: false, approval_id: id } });
    // The running harness was put back: its MCP config no longer names the broken server.
    const mcp = findFile(path.join(d.stateDir, 'state', 'coder'), 'mcp-config.json');
    expect(Object.keys(JSON.parse(readFileSync(mcp, 'utf8')).mcpServers)).not.toContain('fs');
  }, 120_000);

  it('freeze cancels the running turn, refuses approve naming the reason, survives a restart; thaw lets it through', async () => {
    const token = readFileSync(path.join(d.stateDir, 'operator-token'), 'utf8').trim();
    const chat = await fetch(`${d.url}/agents/coder/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'run the long job' }),
    });
    expect(chat.ok).toBe(true);
    // The turn is under way once claude asked the API and got the Bash call back (the sleep is running).
    await until(async () => api.messages().some((m) => m.lastUserText.includes('run the long job')));
    await until(async () => ((await state()).agents.find((a: { name: string }) => a.name === 'coder')?.activity === 'working'), 60_000, async () =>
      JSON.stringify({ coder: (await state()).agents.find((a: { name: string }) => a.name === 'coder'), asked: api.messages().map((m) => m.lastUserText.slice(0, 80)) }),
    );
    await new Promise((r) => setTimeout(r, 1000));
    const f = await sh(['freeze', '--reason', 'incident 42']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout, f.stdout).toMatch(/^hive frozen since .+: incident 42 \(cancelled turns: (.+, )?coder(, .+)?\)$/);
    expect((await state()).frozen).toMatchObject({ reason: 'incident 42' });

    const id = await propose({ 'agent.nix': agentNix('    model = "haiku";'), 'frozen.md': 'x' }, 'while frozen');
    const refused = await sh(['approve', String(id)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/hive is frozen: incident 42/);
    expect((await sh(['rollback', 'coder'])).stderr).toMatch(/hive is frozen: incident 42/);
    expect((await sh(['spawn', 'other'])).stderr).toMatch(/hive is frozen: incident 42/);
    expect((await sh(['rebuild', 'coder'])).stderr).toMatch(/hive is frozen: incident 42/);
    const page = await fetch(`${d.url}/agents/coder/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    });
    expect(page.status).toBe(409);

    await d.stop();
    d = await startDaemonProcess({ stateDir: d.stateDir, env: { ...env } });
    env = d.env;
    expect((await state()).frozen).toMatchObject({ reason: 'incident 42' });
    expect((await sh(['approve', String(id)])).stderr).toMatch(/hive is frozen: incident 42/);

    expect((await sh(['thaw'])).stdout).toBe('hive thawed');
    expect((await state()).frozen).toBeNull();
    const ok = await sh(['approve', String(id)]);
    expect(ok.code, ok.stderr).toBe(0);
  }, 180_000);

  it('enforces an approved hive.limits on the running harness through cgroups (or says at spawn it cannot)', async () => {
    const id = await propose({ 'agent.nix': agentNix('    model = "haiku";\n    limits = { memoryMax = "2G"; tasksMax = 512; };') }, 'limits');
    const r = await sh(['approve', String(id)]);
    expect(r.code, r.stderr).toBe(0);
    const coder = (await state()).agents.find((a: { name: string }) => a.name === 'coder');
    const groups = readFileSync(`/proc/${listenerPid(coder.port)}/cgroup`, 'utf8').split('\n');
    const groupOf = (c: string) => groups.find((l) => l.split(':')[1] === c)?.split(':')[2];
    const group = groupOf('memory');
    const dir = group ? `/sys/fs/cgroup/memory${group}` : null;
    if (dir && existsSync(path.join(dir, 'memory.limit_in_bytes')) && group!.endsWith('/coder')) {
      expect(Number(readFileSync(path.join(dir, 'memory.limit_in_bytes'), 'utf8'))).toBe(2 * 1024 ** 3);
      expect(readFileSync(`/sys/fs/cgroup/pids${groupOf('pids')}/pids.max`, 'utf8').trim()).toBe('512');
    } else {
      // A host without writable cgroups: the daemon's log says the limits are not enforced.
      expect(d.output()).toMatch(/coder: warning: hive\.limits memoryMax, tasksMax not enforced/);
    }
  }, 120_000);
});

/** The pid listening on the port (under bwrap the harness's own pid is namespace-local). */
function listenerPid(port: number): number {
  const pid = findPortHolder(port)?.pid;
  if (!pid) throw new Error(`nothing we can see listens on ${port}`);
  return pid;
}

function findFile(dir: string, name: string): string {
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name === name) return path.join(e.parentPath, e.name);
  throw new Error(`no ${name} under ${dir}`);
}

async function until(check: () => Promise<boolean>, ms = 60_000, describe?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`condition not met in time${describe ? `: ${await describe()}` : ''}`);
}
