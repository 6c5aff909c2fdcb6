import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidNameError, stateLayout } from '@hive/core';
import { commitFiles, initRepo, snapshotTree, tempDir } from '@hive/testkit';
import { BuildError } from '../errors.js';
import type { CrashInfo, RuntimeAgent } from '../runtime.js';
import { freePort, miniHarnessPath } from '../testing.js';
import { HarnessStartError, PortInUseError, UnsandboxedRootError } from './errors.js';
import { ProcessRuntime, type ProcessRuntimeOptions } from './process-runtime.js';
import { agentMounts, bwrapArgs } from './sandbox.js';

const runtimes: ProcessRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.shutdown()));
});

const agentNix = (hive: string) => `{ config, lib, pkgs, ... }: {
  environment.systemPackages = [ pkgs.git ];
  hive = ${hive};
}
`;

function hive(o: Partial<ProcessRuntimeOptions> = {}, root = tempDir('hive-root-')) {
  const logs: string[] = [];
  const rt = new ProcessRuntime({
    stateRoot: root,
    harnessCommand: [process.execPath, miniHarnessPath],
    log: (m) => logs.push(m),
    readyTimeoutMs: 10_000,
    stopGraceMs: 2_000,
    ...o,
  });
  runtimes.push(rt);
  return { root, rt, logs };
}

async function makeAgent(root: string, name: string, o: { isManager?: boolean; model?: string } = {}): Promise<RuntimeAgent> {
  const layout = stateLayout(root);
  const dir = await initRepo(layout.applied(name));
  await commitFiles(dir, {
    'agent.nix': agentNix(`{ model = "${o.model ?? 'model-one'}"; env.GREETING = "hello ${name}"; mcpServers.notes = { command = "notes-mcp"; }; }`),
    'flake.nix': '{ outputs = _: { nixosModules.default = import ./agent.nix; }; }\n',
  });
  return {
    name,
    port: await freePort(),
    isManager: o.isManager ?? false,
    env: { HIVE_LABEL: `the ${name}`, HIVE_DASHBOARD_PORT: '7999', HIVE_TOKEN: `secret-${name}` },
    flakeRef: `${layout.metaDir}#${name}`,
    appliedDir: dir,
    stateDir: layout.agentState(name),
  };
}

async function get<T = Record<string, unknown>>(a: RuntimeAgent, p: string): Promise<T> {
  const r = await fetch(`http://127.0.0.1:${a.port}${p}`);
  return (await r.json()) as T;
}

async function post<T = Record<string, unknown>>(a: RuntimeAgent, p: string): Promise<T> {
  const r = await fetch(`http://127.0.0.1:${a.port}${p}`, { method: 'POST' });
  return (await r.json()) as T;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function setModel(a: RuntimeAgent, hiveExpr: string): Promise<void> {
  await commitFiles(a.appliedDir, { 'agent.nix': agentNix(hiveExpr) }, 'change hive');
}

/** A runtime with coder created and started; `before` is its first /api/state (a restart changes `boot`). */
async function runningCoder(o: Partial<ProcessRuntimeOptions> = {}) {
  const h = hive(o);
  const a = await makeAgent(h.root, 'coder');
  await h.rt.create(a);
  await h.rt.start(a);
  return { ...h, a, before: await get<{ boot: string }>(a, '/api/state') };
}

describe('ProcessRuntime', () => {
  it('creates without starting, then starts a harness that gets its identity, port and settings in env', async () => {
    const { root, rt } = hive({ sandbox: 'bwrap' });
    const a = await makeAgent(root, 'coder');
    await rt.create(a);
    expect(await rt.status('coder')).toBe('stopped');
    expect(await answers(a.port)).toBe(false);

    await rt.start(a);
    expect(await rt.status('coder')).toBe('running');
    expect(await get(a, '/api/state')).toMatchObject({ name: 'coder', label: 'the coder', model: 'model-one', busy: false, is_manager: false, port: a.port });
    const env = await get(a, '/env?name=GREETING&name=HOME');
    expect(env).toMatchObject({
      HIVE_NAME: 'coder',
      HIVE_PORT: String(a.port),
      HIVE_LABEL: 'the coder',
      HIVE_DASHBOARD_PORT: '7999',
      HIVE_TOKEN: 'secret-coder',
      HIVE_MODEL: 'model-one',
      HIVE_STATE: '/state',
      HOME: '/state',
      GREETING: 'hello coder',
    });
    expect(JSON.parse(env.HIVE_MCP_SERVERS as string)).toEqual({ notes: { command: 'notes-mcp' } });
    expect(env).not.toHaveProperty('HIVE_APPLIED_DIR');
  });

  it('reloads the harness in place on an update that changes only what turns read: the new model shows, same process', async () => {
    const { rt, logs, a, before } = await runningCoder();
    await setModel(a, '{ model = "model-two"; env.GREETING = "hi again"; }');
    await rt.update(a);
    const after = await get<{ boot: string; model: string }>(a, '/api/state');
    expect(after.model).toBe('model-two');
    expect(after.boot).toBe(before.boot);
    expect(await get(a, '/env?name=GREETING')).toMatchObject({ GREETING: 'hi again', HIVE_MODEL: 'model-two' });
    expect(logs).toContain('coder: settings reloaded in place (no restart)');
  });

  it('restarts the harness on an update that changes its limits (its cgroup is set up at start)', async () => {
    const { rt, a, before } = await runningCoder();
    await setModel(a, '{ model = "model-two"; limits.tasksMax = 512; }');
    await rt.update(a);
    const after = await get<{ boot: string; model: string }>(a, '/api/state');
    expect(after.model).toBe('model-two');
    expect(after.boot).not.toBe(before.boot);
  });

  it('restarts a harness that does not take reloads', async () => {
    process.env.MINI_HARNESS_NO_RELOAD = '1';
    try {
      const { rt, logs, a, before } = await runningCoder({ inheritEnv: ['MINI_HARNESS_NO_RELOAD'] });
      await setModel(a, '{ model = "model-three"; }');
      await rt.update(a);
      const after = await get<{ boot: string; model: string }>(a, '/api/state');
      expect(after).toMatchObject({ model: 'model-three' });
      expect(after.boot).not.toBe(before.boot);
      expect(logs).toContain('coder: the harness does not take reloads: restarting it');
    } finally {
      delete process.env.MINI_HARNESS_NO_RELOAD;
    }
  });

  it('fails update with nix\'s error on a broken .nix and leaves the running harness alone', async () => {
    const { rt, a, before } = await runningCoder();
    await commitFiles(a.appliedDir, { 'agent.nix': '{ config, ... }: { hive.model = ; }\n' }, 'broken');
    const err = await rt.update(a).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as BuildError).stderr).toMatch(/error: syntax error/);
    expect((err as BuildError).agent).toBe('coder');
    expect(await rt.status('coder')).toBe('running');
    expect((await get<{ boot: string }>(a, '/api/state')).boot).toBe(before.boot);
  });

  it('checkTree is the build alone (nothing restarted), and update switches to a checked result without building again', async () => {
    const { rt, a, before } = await runningCoder();
    await setModel(a, '{ model = "model-four"; }');
    const checked = await rt.checkTree(a);
    expect(checked.model).toBe('model-four');
    expect(await get<{ model: string }>(a, '/api/state')).toMatchObject({ model: 'model-one', boot: before.boot });
    // The tree breaks after the check: update given the checked result does not build it again.
    await commitFiles(a.appliedDir, { 'agent.nix': '{ config, ... }: { hive.model = ; }\n' }, 'broken');
    await expect(rt.checkTree(a)).rejects.toBeInstanceOf(BuildError);
    await rt.update(a, { checked });
    expect(await get<{ model: string }>(a, '/api/state')).toMatchObject({ model: 'model-four', boot: before.boot });
    await expect(rt.update(a)).rejects.toBeInstanceOf(BuildError);
  });

  it('refuses settings env that would override HIVE_PORT, keeping the harness on its port', async () => {
    const { root, rt } = hive();
    const a = await makeAgent(root, 'coder');
    await rt.create(a);
    await rt.start(a);
    await setModel(a, '{ model = "model-two"; env.HIVE_PORT = "1"; }');
    await expect(rt.update(a)).rejects.toThrow(/HIVE_PORT.*cannot be overridden/);
    expect(await get(a, '/env')).toMatchObject({ HIVE_PORT: String(a.port), HIVE_MODEL: 'model-one' });
  });

  it('gives the manager /agents and /state writable, /applied and /meta read-only under bwrap', async () => {
    const { root, rt, logs } = hive({ sandbox: 'bwrap' });
    const m = await makeAgent(root, 'hm1nd', { isManager: true });
    await rt.create(m);
    await rt.start(m);
    expect(logs.join('\n')).toMatch(/sandbox bwrap/);
    expect(await get(m, '/env')).toMatchObject({ HIVE_AGENTS_DIR: '/agents', HIVE_APPLIED_DIR: '/applied', HIVE_META_DIR: '/meta', HIVE_STATE: '/state' });
    const write = (p: string) => post<{ ok: boolean; error: string | null }>(m, `/try-write?path=${encodeURIComponent(p)}`);
    for (const p of ['/applied/x', '/applied/hm1nd/agent.nix', '/meta/x']) {
      const r = await write(p);
      expect(r.ok, p).toBe(false);
      expect(['EROFS', 'EACCES'], p).toContain(r.error);
    }
    expect(readFileSync(path.join(m.appliedDir, 'agent.nix'), 'utf8')).toContain('model-one');
    expect(await write('/agents/x')).toEqual({ ok: true, error: null });
    expect(await write('/state/x')).toEqual({ ok: true, error: null });
    expect(readFileSync(path.join(root, 'agents', 'x'), 'utf8')).toContain('hm1nd');
    expect(existsSync(path.join(m.stateDir, 'x'))).toBe(true);
  });

  it('shows a non-manager neither /applied, /agents nor the state root', async () => {
    const { root, rt } = hive({ sandbox: 'bwrap' });
    const a = await makeAgent(root, 'coder');
    await rt.create(a);
    await rt.start(a);
    for (const p of ['/applied/x', '/agents/x', '/meta/x', path.join(root, 'applied', 'x')]) {
      expect(await post(a, `/try-write?path=${encodeURIComponent(p)}`), p).toEqual({ ok: false, error: 'ENOENT' });
    }
  });

  it('lets the harness run an absolute HIVE_CLAUDE_CMD beside the state root without exposing its neighbours', async () => {
    const box = tempDir('hive-box-');
    const root = path.join(box, 'state-root');
    const fakeClaude = path.join(box, 'fake-claude.mjs');
    writeFileSync(fakeClaude, 'console.log("fake claude")\n');
    writeFileSync(path.join(box, 'neighbour.txt'), 'private\n');
    const { rt } = hive({ sandbox: 'bwrap' }, root);
    const a = await makeAgent(root, 'coder');
    a.env.HIVE_CLAUDE_CMD = JSON.stringify([process.execPath, fakeClaude]);
    await rt.create(a);
    await rt.start(a);
    expect(await get(a, `/read?path=${encodeURIComponent(fakeClaude)}`)).toMatchObject({ ok: true, text: 'console.log("fake claude")\n' });
    expect(await get(a, `/read?path=${encodeURIComponent(path.join(box, 'neighbour.txt'))}`)).toMatchObject({ ok: false, error: 'ENOENT' });
  });

  it('passes host paths by env without a sandbox and says so in the log', async () => {
    const { root, rt, logs } = hive({ sandbox: 'none', allowUnsandboxedRoot: true });
    expect(rt.sandbox).toBe('none');
    expect(logs.join('\n')).toMatch(/sandbox none \(asked for\)/);
    const m = await makeAgent(root, 'hm1nd', { isManager: true });
    await rt.create(m);
    await rt.start(m);
    const layout = stateLayout(root);
    expect(await get(m, '/env?name=HOME')).toMatchObject({
      HIVE_STATE: m.stateDir,
      HOME: m.stateDir,
      HIVE_AGENTS_DIR: layout.agentsDir,
      HIVE_APPLIED_DIR: layout.appliedRoot,
      HIVE_META_DIR: layout.metaDir,
    });
  });

  it('reports an unexpected exit to onCrash with its code and last output', async () => {
    const { root, rt } = hive();
    const a = await makeAgent(root, 'coder');
    await rt.create(a);
    await rt.start(a);
    const crashed = new Promise<[string, CrashInfo]>((resolve) => rt.onCrash((n, i) => resolve([n, i])));
    await post(a, '/crash');
    const [name, info] = await crashed;
    expect(name).toBe('coder');
    expect(info.code).toBe(3);
    expect(info.tail).toContain('crashing on request');
    expect(await rt.status('coder')).toBe('crashed');
    expect(await rt.logs('coder')).toContain('crashing on request');
  });

  it('does not call a stop, update or destroy a crash', async () => {
    const { root, rt } = hive();
    const crashes: string[] = [];
    rt.onCrash((n) => crashes.push(n));
    const a = await makeAgent(root, 'coder');
    await rt.create(a);
    await rt.start(a);
    await setModel(a, '{ model = "model-two"; }');
    await rt.update(a);
    await rt.stop('coder');
    expect(await rt.status('coder')).toBe('stopped');
    expect(await answers(a.port)).toBe(false);
    expect(await rt.logs('coder')).toMatch(/SIGTERM, exiting/);
    await rt.start(a);
    await rt.destroy('coder');
    await new Promise((r) => setTimeout(r, 200));
    expect(crashes).toEqual([]);
    expect(await rt.status('coder')).toBe('absent');
  });

  it('restarts a crashed harness when restartOnCrash is on', async () => {
    const { root, rt } = hive({ restartOnCrash: true });
    const a = await makeAgent(root, 'coder');
    await rt.create(a);
    await rt.start(a);
    const first = await get<{ boot: string }>(a, '/api/state');
    const crashed = new Promise<void>((resolve) => rt.onCrash(() => resolve()));
    await post(a, '/crash');
    await crashed;
    for (let i = 0; i < 100 && (await rt.status('coder')) !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await rt.status('coder')).toBe('running');
    expect((await get<{ boot: string }>(a, '/api/state')).boot).not.toBe(first.boot);
  });

  it('does not call it a crash when Ctrl-C takes the harness down just before shutdown', async () => {
    const { root, rt } = hive();
    const crashes: string[] = [];
    rt.onCrash((n) => crashes.push(n));
    const a = await makeAgent(root, 'coder');
    await rt.create(a);
    await rt.start(a);
    // What the terminal does to the whole foreground process group, then the daemon's SIGINT handler.
    process.kill(Number(readFileSync(path.join(root, 'runtime', 'process', 'coder.json'), 'utf8').match(/"pid": (\d+)/)![1]), 'SIGINT');
    await new Promise((r) => setTimeout(r, 50));
    await rt.shutdown();
    await new Promise((r) => setTimeout(r, 400));
    expect(crashes).toEqual([]);
    expect(await answers(a.port)).toBe(false);
  });

  it('stops every harness on shutdown', async () => {
    const { root, rt } = hive();
    const agents = [await makeAgent(root, 'hm1nd', { isManager: true }), await makeAgent(root, 'coder'), await makeAgent(root, 'iris')];
    for (const a of agents) await rt.create(a);
    await Promise.all(agents.map((a) => rt.start(a)));
    for (const a of agents) expect(await answers(a.port)).toBe(true);
    await rt.shutdown();
    for (const a of agents) {
      expect(await answers(a.port)).toBe(false);
      expect(await rt.status(a.name)).toBe('stopped');
    }
  });

  it('remembers its agents across a new runtime over the same state root, without their secrets', async () => {
    const { root, rt } = hive();
    const a = await makeAgent(root, 'coder');
    const b = await makeAgent(root, 'iris');
    await rt.create(a);
    await rt.create(b);
    await rt.start(a);
    await rt.shutdown();

    const { rt: again } = hive({}, root);
    expect(await again.list()).toEqual(['coder', 'iris']);
    expect(await again.status('coder')).toBe('stopped');
    expect(await again.logs('coder')).toMatch(/listening on/);
    const record = readFileSync(path.join(root, 'runtime', 'process', 'coder.json'), 'utf8');
    expect(record).not.toContain('secret-coder');
    // The record keeps the last build's settings, so start needs no new build.
    await again.start(a);
    expect((await get(a, '/api/state')).model).toBe('model-one');
    await again.destroy('iris');
    expect(await again.list()).toEqual(['coder']);
    expect(await again.status('iris')).toBe('absent');
  });

  it('throws the harness\'s last output when it exits before answering, without a crash event', async () => {
    const { root, rt } = hive({ harnessCommand: [process.execPath, '-e', 'console.error("error: cannot open the inbox"); process.exit(4)'] });
    const crashes: string[] = [];
    rt.onCrash((n) => crashes.push(n));
    const a = await makeAgent(root, 'coder');
    await rt.create(a);
    const err = await rt.start(a).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessStartError);
    expect((err as Error).message).toMatch(/did not start: it exited with code 4 — last output: error: cannot open the inbox/);
    expect(await rt.status('coder')).toBe('crashed');
    expect(crashes).toEqual([]);
  });

  it('replaces a harness left running by an earlier runtime instead of talking to it', async () => {
    const { root, rt: first } = hive({ sandbox: 'bwrap' });
    const a = await makeAgent(root, 'coder');
    await first.create(a);
    await first.start(a);
    const old = await get<{ boot: string }>(a, '/api/state');

    // A daemon that died without shutdown(): the new one finds the port held by the old child.
    const { rt: second, logs } = hive({ sandbox: 'bwrap' }, root);
    await second.start(a);
    expect(logs.join('\n')).toMatch(/killing leftover harness pid \d+ holding port/);
    expect((await get<{ boot: string }>(a, '/api/state')).boot).not.toBe(old.boot);
    expect(await second.status('coder')).toBe('running');
  });

  it.each(['bwrap', 'none'] as const)('takes the harness down when the daemon is SIGKILLed (sandbox %s)', async (sandbox) => {
    const root = tempDir('hive-root-');
    const stateDir = path.join(root, 'state', 'coder');
    mkdirSync(stateDir, { recursive: true });
    const port = await freePort();
    const cmd = [process.execPath, miniHarnessPath];
    const mounts = agentMounts({ stateRoot: root, stateDir, isManager: false });
    // The same argv the runtime spawns: bwrap's --die-with-parent, or setpriv's pdeathsig without a sandbox.
    const argv =
      sandbox === 'bwrap'
        ? ['bwrap', ...bwrapArgs({ name: 'coder', command: cmd, mounts, stateRoot: root })]
        : ['setpriv', '--pdeathsig', 'KILL', '--', ...cmd];
    const fakeDaemon = path.join(root, 'daemon.mjs');
    writeFileSync(
      fakeDaemon,
      `import { spawn } from 'node:child_process';
const argv = ${JSON.stringify(argv)};
spawn(argv[0], argv.slice(1), { env: { PATH: process.env.PATH, HIVE_PORT: '${port}', HIVE_NAME: 'coder' }, stdio: 'ignore' });
setInterval(() => {}, 1000);
`,
    );
    const daemon = spawn(process.execPath, [fakeDaemon], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !(await answers(port)); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await answers(port)).toBe(true);
    } finally {
      daemon.kill('SIGKILL');
    }
    for (let i = 0; i < 50 && (await answers(port)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await answers(port)).toBe(false);
  });

  it('names a harness command that cannot be spawned', async () => {
    const { root, rt } = hive({ sandbox: 'none', allowUnsandboxedRoot: true, harnessCommand: ['/nonexistent/hive-harness'] });
    const a = await makeAgent(root, 'coder');
    await rt.create(a);
    await expect(rt.start(a)).rejects.toThrow(/did not start: .*(ENOENT|No such file)/);
  });

  it('refuses to start on a port something else holds', async () => {
    const { root, rt } = hive();
    const a = await makeAgent(root, 'coder');
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(a.port, '127.0.0.1', r));
    try {
      await rt.create(a);
      await expect(rt.start(a)).rejects.toBeInstanceOf(PortInUseError);
      expect(await rt.status('coder')).not.toBe('running');
    } finally {
      squatter.close();
    }
  });

  it('fails create on a config that does not build, recording nothing', async () => {
    const { root, rt } = hive();
    const a = await makeAgent(root, 'coder');
    writeFileSync(path.join(a.appliedDir, 'agent.nix'), '{ hive = ; }\n');
    await commitFiles(a.appliedDir, {}, 'broken');
    await expect(rt.create(a)).rejects.toBeInstanceOf(BuildError);
    expect(await rt.list()).toEqual([]);
    expect(existsSync(path.join(root, 'runtime'))).toBe(false);
  });

  it('refuses a bad agent name before touching disk', async () => {
    const { root, rt } = hive();
    const a = await makeAgent(root, 'coder');
    const before = await snapshotTree(root);
    for (const name of ['..', 'a/b', 'Coder', '-x', '']) {
      await expect(rt.create({ ...a, name })).rejects.toBeInstanceOf(InvalidNameError);
      await expect(rt.start({ ...a, name })).rejects.toBeInstanceOf(InvalidNameError);
      await expect(rt.status(name)).rejects.toBeInstanceOf(InvalidNameError);
    }
    expect(await snapshotTree(root)).toEqual(before);
  });
});

describe('ProcessRuntime without a sandbox', () => {
  const asRoot = process.getuid?.() === 0;

  it('refuses to create or start agents as root unless allowUnsandboxedRoot, naming the fix', async () => {
    const { root, rt, logs } = hive({ sandbox: 'none' });
    const a = await makeAgent(root, 'coder');
    if (asRoot) {
      const err = await rt.create(a).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsandboxedRootError);
      expect((err as UnsandboxedRootError).code).toBe('UNSANDBOXED_ROOT');
      expect((err as Error).message).toBe(
        'agents would run as root without a sandbox: install bubblewrap (apt-get install bubblewrap) or pass --no-sandbox',
      );
      await expect(rt.start(a)).rejects.toBeInstanceOf(UnsandboxedRootError);
      expect(await answers(a.port)).toBe(false);
      expect(await rt.list()).toEqual([]);
      expect(logs.join('\n')).toMatch(/refusing to start agents as root without a sandbox/);
    } else {
      // Not root: nothing to refuse.
      await rt.create(a);
      await rt.start(a);
      expect(await rt.status('coder')).toBe('running');
    }
  });

  it('runs them when allowed, saying loudly that they are root and that builds are unsandboxed', async () => {
    const { root, rt, logs } = hive({ sandbox: 'none', allowUnsandboxedRoot: true });
    const a = await makeAgent(root, 'coder');
    await rt.create(a);
    await rt.start(a);
    expect(await rt.status('coder')).toBe('running');
    if (asRoot) expect(logs.join('\n')).toMatch(/WARNING: .*agents run as ROOT on the host with no sandbox/);
    expect(logs.join('\n')).toMatch(/coder: build runs without a sandbox/);
  });
});

describe('ProcessRuntime and the agent engine', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it('passes Claude Code\'s credentials and switches from the daemon\'s env, and nothing else of it', async () => {
    Object.assign(process.env, {
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_AUTH_TOKEN: 'gw-token',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
      CLAUDE_CODE_USE_BEDROCK: '0',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
      API_TIMEOUT_MS: '5000',
      HIVE_OPERATOR_TOKEN: 'operator-secret',
      SOME_DAEMON_SECRET: 'nope',
    });
    const { root, rt } = hive({ sandbox: 'bwrap' });
    const a = await makeAgent(root, 'coder');
    await rt.create(a);
    await rt.start(a);
    const names = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC', 'DISABLE_TELEMETRY', 'API_TIMEOUT_MS', 'SOME_DAEMON_SECRET', 'EMAIL'];
    const env = await get(a, `/env?${names.map((n) => `name=${n}`).join('&')}`);
    expect(env).toMatchObject({
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_AUTH_TOKEN: 'gw-token',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
      CLAUDE_CODE_USE_BEDROCK: '0',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
      API_TIMEOUT_MS: '5000',
      EMAIL: 'coder@hyperhive.invalid',
    });
    expect(env).not.toHaveProperty('SOME_DAEMON_SECRET');
    expect(env).not.toHaveProperty('HIVE_OPERATOR_TOKEN');
  });

  it('passes the hive engine settings as HIVE_* env, and leaves them unset when agent.nix has none', async () => {
    const { root, rt } = hive({ sandbox: 'bwrap' });
    const a = await makeAgent(root, 'coder');
    await rt.create(a);
    await rt.start(a);
    const unset = await get(a, '/env');
    for (const k of ['HIVE_PERMISSION_MODE', 'HIVE_ALLOWED_TOOLS', 'HIVE_DISALLOWED_TOOLS', 'HIVE_MAX_TURNS', 'HIVE_APPEND_SYSTEM_PROMPT', 'HIVE_BUDGET_USD'])
      expect(unset, k).not.toHaveProperty(k);
    await setModel(
      a,
      '{ model = "model-two"; permissionMode = "bypassPermissions"; allowedTools = [ "Bash(git:*)" "mcp__hive" ]; disallowedTools = [ "WebFetch" ]; maxTurns = 25; appendSystemPrompt = "You are coder.\\nBe brief."; budgetUsd = 1.5; }',
    );
    await rt.update(a);
    expect(await get(a, '/env')).toMatchObject({
      HIVE_MODEL: 'model-two',
      HIVE_PERMISSION_MODE: 'bypassPermissions',
      HIVE_ALLOWED_TOOLS: '["Bash(git:*)","mcp__hive"]',
      HIVE_DISALLOWED_TOOLS: '["WebFetch"]',
      HIVE_MAX_TURNS: '25',
      HIVE_APPEND_SYSTEM_PROMPT: 'You are coder.\nBe brief.',
      HIVE_BUDGET_USD: '1.5',
    });
  });

  it('refuses a bad engine setting at build time and keeps the running harness on its old settings', async () => {
    const { root, rt } = hive({ sandbox: 'bwrap' });
    const a = await makeAgent(root, 'coder');
    await rt.create(a);
    await rt.start(a);
    await setModel(a, '{ permissionMode = "yolo"; }');
    await expect(rt.update(a)).rejects.toThrow(/^error: agent\.nix: hive\.permissionMode must be one of/);
    expect(await get(a, '/env')).not.toHaveProperty('HIVE_PERMISSION_MODE');
  });

  it('runs the real claude native binary inside the sandbox: it reaches a loopback API and writes its HOME', async () => {
    const claude = claudeNativeBinary();
    const requests: { url: string; key: string | undefined }[] = [];
    const api = http.createServer((req, res) => {
      requests.push({ url: req.url ?? '', key: req.headers['x-api-key'] as string | undefined });
      req.resume();
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }));
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    try {
      const box = tempDir('hive-box-');
      const script = path.join(box, 'harness.sh');
      // The harness's job in miniature: start the CLI in the background, then serve.
      writeFileSync(script, '#!/bin/sh\ntimeout 30 "$HIVE_CLAUDE_CMD" -p hello --output-format json >/state/claude.out 2>&1 &\nexec "$1" "$2"\n');
      const { rt } = hive({ sandbox: 'bwrap', harnessCommand: ['/usr/bin/sh', script, process.execPath, miniHarnessPath] }, path.join(box, 'root'));
      const a = await makeAgent(path.join(box, 'root'), 'coder');
      Object.assign(a.env, {
        HIVE_CLAUDE_CMD: claude,
        ANTHROPIC_API_KEY: 'sk-in-sandbox',
        ANTHROPIC_BASE_URL: `http://127.0.0.1:${(api.address() as net.AddressInfo).port}`,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_TELEMETRY: '1',
      });
      await rt.create(a);
      await rt.start(a);
      for (let i = 0; i < 200 && requests.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(requests[0]).toEqual({ url: expect.stringMatching(/^\/v1\/messages/), key: 'sk-in-sandbox' });
      expect(existsSync(path.join(a.stateDir, '.claude.json'))).toBe(true);
    } finally {
      api.close();
    }
  }, 40_000);
});

/** The realpath'd native claude binary the workspace installs (as the harness's default command will be). */
function claudeNativeBinary(): string {
  const pnpmDir = path.resolve('../../node_modules/.pnpm');
  const pkg = readdirSync(pnpmDir).find((d) => d.startsWith('@anthropic-ai+claude-code-linux-x64@'));
  if (!pkg) throw new Error('the claude CLI is not installed: run pnpm install (apps/agent-harness depends on @anthropic-ai/claude-code)');
  return realpathSync(path.join(pnpmDir, pkg, 'node_modules', '@anthropic-ai', 'claude-code-linux-x64', 'claude'));
}
