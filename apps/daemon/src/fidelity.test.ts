import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { commitFiles, git, tempDir, testGitEnv } from '@hive/testkit';
import { miniHarnessPath } from '@hive/containers/testing';
import { agentWebPort, findPortHolder } from '@hive/ports';
import type { HiveEventOf } from '@hive/protocol';
import { loadConfig, startDaemon, type RunningDaemon } from './index.js';
import { CLI, startDaemonProcess, type DaemonProcess } from './test-support/daemon-process.js';

const MINI = JSON.stringify([process.execPath, miniHarnessPath]);

const running: RunningDaemon[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.close()));
});

/** An in-process daemon on `stateDir` with its log lines kept; no manager unless asked. `harness: 'real'` runs the agent-harness app. */
async function boot(stateDir: string, o: { portBase: number; harness?: 'mini' | 'real'; env?: Record<string, string> }) {
  const lines: string[] = [];
  const env: Record<string, string> = {
    HIVE_STATE_DIR: stateDir,
    HIVE_MANAGER_PORT: String(o.portBase - 100),
    HIVE_AGENT_PORT_BASE: String(o.portBase),
    HIVE_SANDBOX: 'none',
    HIVE_SPAWN_MANAGER: '0',
    ...(o.harness === 'real' ? {} : { HIVE_HARNESS_CMD: MINI }),
    ...o.env,
  };
  const d = await startDaemon(loadConfig(env, { dashboardPort: 0 }), { log: pino({ level: 'info' }, { write: (s: string) => void lines.push(s) }) });
  running.push(d);
  return { d, hive: d.hive, lines, close: () => (running.splice(running.indexOf(d), 1), d.close()) };
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function squat(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

const statusOf = (d: RunningDaemon, name: string) => d.hive.state().agents.find((a) => a.name === name)?.status;

describe('port preflight counts running agents only (SPEC §2)', () => {
  const base = 41100;
  const port = base + 445; // agao and aghx both hash to base + 445

  it('a crashed aghx does not block spawning and rebuilding agao; rebuilding or starting aghx beside a running agao is refused', async () => {
    expect([agentWebPort('agao', { base }), agentWebPort('aghx', { base })]).toEqual([port, port]);
    const stateDir = tempDir('hive-fid-ports-');
    let { d, hive } = await boot(stateDir, { portBase: base });
    await hive.spawn('aghx');
    await expect(hive.spawn('agao')).rejects.toThrow(`port ${port} already taken by aghx — rename one of them`);

    // aghx's harness dies: it holds the port no more.
    const pid = findPortHolder(port)?.pid;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    await until('aghx to be crashed', () => statusOf(d, 'aghx') === 'crashed');

    await hive.spawn('agao');
    expect(statusOf(d, 'agao')).toBe('running');
    await hive.rebuild('agao');
    expect(statusOf(d, 'agao')).toBe('running');
    expect(d.hive.state().port_conflicts).toEqual([{ port, agents: ['agao', 'aghx'] }]);
    await expect(hive.rebuild('aghx')).rejects.toThrow(`port ${port} already taken by agao — rename one of them`);
    expect(statusOf(d, 'aghx')).not.toBe('running');

    // A restart starts agao (first by name) and refuses to start the stopped aghx, the same way.
    await running.splice(0)[0]!.close();
    ({ d, hive } = await boot(stateDir, { portBase: base }));
    expect(statusOf(d, 'agao')).toBe('running');
    expect(statusOf(d, 'aghx')).toBe('stopped');
    expect(await hive.ctx.runtime.status('aghx')).not.toBe('running');
    const refusal = hive.ctx.store.listEvents({ agent: 'aghx', limit: 20 }).find((e): e is HiveEventOf<'AgentStatus'> => e.type === 'AgentStatus' && e.data.status === 'stopped');
    expect(refusal?.data.error).toMatch(new RegExp(`^port ${port} already taken by agao — rename one of them`));
    expect(await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()).toMatchObject({ ok: true, name: 'agao' });
  });
});

describe('a spawn whose port another process holds', () => {
  const base = 42100;

  it('fails within about 15 s naming the holder, and leaves no row, repos, state dir or meta input; the same spawn then works', async () => {
    const stateDir = tempDir('hive-fid-held-');
    const { d, hive } = await boot(stateDir, { portBase: base, harness: 'real' });
    const port = agentWebPort('coder', { base });
    const squatter = await squat(port);
    const t0 = Date.now();
    let err: Error | undefined;
    try {
      await hive.spawn('coder').catch((e: Error) => (err = e));
    } finally {
      squatter.close();
    }
    const took = Date.now() - t0;
    expect(err?.message).toMatch(new RegExp(`^port ${port} for coder is held by pid ${process.pid} \\(.*node.*\\) — stop it, or rename coder$`));
    expect(err?.message).not.toMatch(/retry/i);
    // The harness's 12 bind tries, a second apart, then the answer: not the 15 s health timeout plus slack.
    expect(took).toBeGreaterThan(10_000);
    expect(took).toBeLessThan(20_000);
    expect(d.hive.state().agents.map((a) => a.name)).toEqual([]);
    for (const dir of ['agents/coder', 'applied/coder', 'state/coder']) expect(existsSync(path.join(stateDir, dir)), dir).toBe(false);
    for (const file of ['flake.nix', 'flake.lock']) {
      const f = path.join(stateDir, 'meta', file);
      expect(existsSync(f) ? readFileSync(f, 'utf8') : '', file).not.toContain('coder');
    }
    expect(await hive.ctx.runtime.list()).toEqual([]);

    await hive.spawn('coder');
    expect(statusOf(d, 'coder')).toBe('running');
  }, 60_000);

  it('waits out a short hold (an old harness still exiting) instead of refusing it', async () => {
    const stateDir = tempDir('hive-fid-short-');
    const { d, hive } = await boot(stateDir, { portBase: base, harness: 'real' });
    const port = agentWebPort('iris', { base });
    const squatter = await squat(port);
    let settled = false;
    const spawned = hive.spawn('iris').finally(() => (settled = true));
    spawned.catch(() => {});
    // Let go only once the harness itself has met the busy port (its bind retry logs each try).
    const log = path.join(stateDir, 'state', 'iris', 'harness.log');
    await until('the harness to retry its bind', () => settled || (existsSync(log) && readFileSync(log, 'utf8').includes(`port ${port} in use (try 2/12)`)), 60_000);
    squatter.close();
    await spawned;
    expect(statusOf(d, 'iris')).toBe('running');
    expect(findPortHolder(port)?.pid).not.toBe(process.pid);
  }, 60_000);
});

describe('the state-dir lock', () => {
  const env = { HIVE_HARNESS_CMD: MINI, HIVE_SANDBOX: 'none', HIVE_MANAGER_PORT: '43000', HIVE_AGENT_PORT_BASE: '43100' };
  let d: DaemonProcess | undefined;
  afterEach(async () => {
    if (d && d.proc.exitCode === null) await d.stop();
    d = undefined;
  });

  it('restarting straight after kill -9 succeeds, every time', async () => {
    const stateDir = tempDir('hive-fid-lock-');
    for (let i = 0; i < 4; i++) {
      d = await startDaemonProcess({ stateDir, env });
      await d.kill9();
    }
    d = await startDaemonProcess({ stateDir, env });
    const s = await execa(process.execPath, [CLI, 'status', '--json'], { env: d.env });
    expect(JSON.parse(s.stdout).agents).toMatchObject([{ name: 'hm1nd', status: 'running' }]);
  }, 240_000);

  it('a second live daemon is refused with one line naming the state dir and the holder', async () => {
    const stateDir = tempDir('hive-fid-lock2-');
    d = await startDaemonProcess({ stateDir, env: { ...env, HIVE_SPAWN_MANAGER: '0' } });
    const second = await execa(process.execPath, [CLI, 'up', '--port', '0'], { env: { ...env, HIVE_STATE_DIR: stateDir, HIVE_LOG_LEVEL: 'warn' }, reject: false });
    expect(second.exitCode).toBe(1);
    // The last line is the refusal (preflight warnings such as a missing API key may come before it).
    const lines = second.stderr.trim().split('\n');
    expect(lines.at(-1)).toBe(`hive: another hive daemon (pid ${d.proc.pid}) is using ${stateDir}: stop it first, or pick another --state`);
    expect(lines.filter((l) => l.includes('another hive daemon'))).toHaveLength(1);
  }, 120_000);

  it('a stale pid file naming a live process that is no daemon does not block the start', async () => {
    const stateDir = tempDir('hive-fid-lock3-');
    d = await startDaemonProcess({ stateDir, env: { ...env, HIVE_SPAWN_MANAGER: '0' } });
    await d.kill9();
    // The dead daemon's pid reused by something else (here: this test process).
    writeFileSync(path.join(stateDir, 'daemon.pid'), `${process.pid}\n`);
    d = await startDaemonProcess({ stateDir, env: { ...env, HIVE_SPAWN_MANAGER: '0' } });
    expect(readFileSync(path.join(stateDir, 'daemon.pid'), 'utf8').trim()).toBe(String(d.proc.pid));
  }, 120_000);
});

describe('start-up migration, the manager view of applied, the no-op diff', () => {
  const base = 44100;
  const manager = 'hm1nd';

  it('on start, repairs every proposed repo\'s applied remote and refuses to start an agent whose applied repo lacks deployed/0', async () => {
    const stateDir = tempDir('hive-fid-migrate-');
    let { hive, lines } = await boot(stateDir, { portBase: base });
    await hive.spawn('coder');
    await hive.spawn('iris');
    await running.splice(0)[0]!.close();

    // A repo set up by an older daemon: drifted URL, heads-only refspec, tags auto-followed.
    const proposed = path.join(stateDir, 'agents', 'coder', 'config');
    await git(proposed, ['config', 'remote.applied.url', '/old/place/coder/.git']);
    await git(proposed, ['config', '--unset-all', 'remote.applied.fetch']);
    await git(proposed, ['config', 'remote.applied.fetch', '+refs/heads/*:refs/remotes/applied/*']);
    await git(proposed, ['config', '--unset', 'remote.applied.tagOpt']);
    // A pre-overhaul applied repo: no deployed/0.
    await git(path.join(stateDir, 'applied', 'iris'), ['tag', '-d', 'deployed/0']);

    let d: RunningDaemon;
    ({ d, hive, lines } = await boot(stateDir, { portBase: base }));
    expect(await git(proposed, ['config', 'remote.applied.url'])).toBe('/applied/coder/.git');
    expect((await git(proposed, ['config', '--get-all', 'remote.applied.fetch'])).split('\n')).toEqual([
      '+refs/heads/*:refs/remotes/applied/*',
      '+refs/tags/*:refs/remotes/applied/refs/tags/*',
    ]);
    expect(await git(proposed, ['config', 'remote.applied.tagOpt'])).toBe('--no-tags');
    expect(statusOf(d, 'coder')).toBe('running');

    expect(statusOf(d, 'iris')).toBe('stopped');
    expect(await hive.ctx.runtime.status('iris')).not.toBe('running');
    const hint = 'has no deployed/0 tag (pre-overhaul layout): run `hive destroy iris --purge` and spawn iris again';
    expect(lines.some((l) => l.includes(hint))).toBe(true);
    const event = hive.ctx.store.listEvents({ agent: 'iris', limit: 20 }).find((e): e is HiveEventOf<'AgentStatus'> => e.type === 'AgentStatus' && e.data.status === 'stopped');
    expect(String(event?.data.error)).toContain(hint);
  }, 120_000);

  it("the seed's five applied commands work in the manager's repo after a deploy", async () => {
    const stateDir = tempDir('hive-fid-mgr-');
    const { hive } = await boot(stateDir, { portBase: base + 1 });
    await hive.spawn('coder');
    const proposed = path.join(stateDir, 'agents', 'coder', 'config');
    const applied = path.join(stateDir, 'applied', 'coder');
    const sha = await commitFiles(proposed, { 'notes.md': 'approved notes\n' }, 'add notes');
    const { approval_id: id } = await hive.requestApplyCommit(manager, 'coder', sha);
    expect(await hive.approve(id)).toMatchObject({ status: 'deployed', terminal_tag: `deployed/${id}` });
    const mine = await commitFiles(proposed, { 'plan.md': 'next\n' }, 'plan');

    // As the manager's shell runs git: plain git, the remote URL mapped from the container's /applied to the host path.
    const run = (args: string[]) =>
      execa('git', ['-c', `url.${applied}/.git.insteadOf=/applied/coder/.git`, ...args], { cwd: proposed, env: testGitEnv, reject: false });
    expect((await run(['fetch', 'applied'])).exitCode).toBe(0);
    expect((await run(['log', '--format=%H', '-1', 'applied/main'])).stdout).toBe(sha);
    const show = await run(['show', '--stat', `applied/refs/tags/deployed/${id}`]);
    expect(show.exitCode, show.stderr).toBe(0);
    expect(show.stdout).toContain(sha);
    expect(show.stdout).toContain('notes.md');
    expect((await run(['diff', '--name-only', 'applied/main', 'HEAD'])).stdout).toBe('plan.md');
    const rebase = await run(['rebase', 'applied/main']);
    expect(rebase.exitCode, rebase.stderr).toBe(0);
    expect(await git(proposed, ['rev-parse', 'HEAD'])).toBe(mine); // already on top: nothing to replay
  }, 120_000);

  it('a proposal with the deployed tree shows "(proposal matches currently-deployed tree)"', async () => {
    const stateDir = tempDir('hive-fid-noop-');
    const { hive } = await boot(stateDir, { portBase: base + 2 });
    await hive.spawn('coder');
    const proposed = path.join(stateDir, 'agents', 'coder', 'config');
    await git(proposed, ['commit', '-q', '--allow-empty', '-m', 'nothing changes']);
    const sha = await git(proposed, ['rev-parse', 'HEAD']);
    const { approval_id: id } = await hive.requestApplyCommit(manager, 'coder', sha);
    expect(await hive.diff(id)).toMatchObject({ text: '(proposal matches currently-deployed tree)', files: [] });
  }, 60_000);
});
