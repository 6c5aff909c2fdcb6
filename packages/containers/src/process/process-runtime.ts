import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyedMutex, stateLayout, validateAgentName } from '@hive/core';
import { BuildError } from '../errors.js';
import type { ContainerRuntime, ContainerStatus, CrashInfo, RuntimeAgent } from '../runtime.js';
import { HarnessChild, descendants, tailFile, type ExitInfo } from './child.js';
import { harnessEnv } from './agent-env.js';
import { BwrapNotFoundError, HarnessStartError, PortInUseError, UnsandboxedRootError } from './errors.js';
import { AGENT_UID, writeSandboxIdentity } from './identity.js';
import { RecordStore, recordOf } from './records.js';
import { agentMounts, bwrapArgs, bwrapFeatures, claudeCommandPaths, findExecutable, type Mount, type SandboxMode } from './sandbox.js';
import { EMPTY_SETTINGS, checkBuild, type HiveSettings } from './settings.js';
import { AgentCgroup, detectCgroupHost, type CgroupHost } from './cgroup-limits.js';
import { portFree, probeHealth, supportsPdeathsig } from './host.js';

/** What the harness watches for in HIVE_RELOAD_DIR (apps/agent-harness/src/settings-reload.ts). */
const RELOAD_FILE = 'settings.json';
const RELOAD_SIGNAL = 'SIGUSR2';

export interface ProcessRuntimeOptions {
  /** HIVE_STATE_DIR: agents/<n>/config, applied/<n>, meta, state/<n>. */
  stateRoot: string;
  /** argv that runs one harness, e.g. [process.execPath, '/abs/apps/agent-harness/dist/main.js']. */
  harnessCommand: string[];
  /** auto = bwrap when installed, else none (said in a log line). */
  sandbox?: SandboxMode;
  log?: (msg: string) => void;
  /** Restart a crashed harness (at most 3 times a minute); default false: report, don't loop. */
  restartOnCrash?: boolean;
  /** How long a harness has to answer `/api/health` after spawning (default 15 s). */
  readyTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL on stop (default 5 s). */
  stopGraceMs?: number;
  /** More host dirs to expose read-only under bwrap (e.g. where the `claude` CLI lives). */
  extraReadOnly?: string[];
  /** Names passed through from the daemon's env besides PATH, locale, nix/TLS settings and Claude Code's (INHERITED_ENV). */
  inheritEnv?: string[];
  /**
   * Run harnesses as root on the host when there is no sandbox (`hive up --no-sandbox`).
   * Without it, create/start refuse with UnsandboxedRootError when the daemon is root and bwrap is not used.
   */
  allowUnsandboxedRoot?: boolean;
  /** Where the cgroup filesystem is mounted, for hive.limits (default /sys/fs/cgroup). */
  cgroupRoot?: string;
}

const RESTART_LIMIT = 3;
const CRASH_REPORT_DELAY_MS = 200;

interface Entry {
  agent: RuntimeAgent;
  settings: HiveSettings | null;
  child?: HarnessChild;
  /** The cgroup holding hive.limits for the running child, when it sets any. */
  cgroup?: AgentCgroup;
  /** Its removal after the child exited (stop waits for it, so a stopped agent leaves no group). */
  cgroupRemoved?: Promise<void>;
  status: ContainerStatus;
  crashTimes: number[];
}

/** Each agent's harness as a supervised child process, under bwrap with nspawn's bind layout when installed. */
export class ProcessRuntime implements ContainerRuntime {
  readonly kind = 'process' as const;
  /** The sandbox actually in use. */
  readonly sandbox: 'bwrap' | 'none';
  private readonly bwrap: string | null;
  private readonly setpriv: string | null;
  private readonly entries = new Map<string, Entry>();
  /** One agent's operations run one after another. */
  private readonly queue = new KeyedMutex();
  private readonly listeners: ((name: string, info: CrashInfo) => void)[] = [];
  private readonly records: RecordStore;
  private readonly log: (msg: string) => void;
  private closing = false;
  private cgroupHost: CgroupHost | null = null;

  constructor(private readonly o: ProcessRuntimeOptions) {
    if (o.harnessCommand.length === 0) throw new TypeError('ProcessRuntime: harnessCommand must name a program');
    this.log = o.log ?? (() => {});
    this.records = new RecordStore(o.stateRoot);
    const mode = o.sandbox ?? 'auto';
    if (!['auto', 'bwrap', 'none'].includes(mode))
      throw new TypeError(`ProcessRuntime: sandbox must be 'auto', 'bwrap' or 'none', got ${JSON.stringify(mode)}`);
    this.bwrap = mode === 'none' ? null : findExecutable('bwrap');
    if (mode === 'bwrap' && !this.bwrap) throw new BwrapNotFoundError();
    this.sandbox = this.bwrap ? 'bwrap' : 'none';
    // Without bwrap nothing kills a harness when the daemon is SIGKILLed; setpriv's pdeathsig does.
    this.setpriv = this.sandbox === 'none' && supportsPdeathsig() ? findExecutable('setpriv') : null;
    this.log(
      this.bwrap
        ? `process runtime: sandbox bwrap (${this.bwrap}) — agents run as uid ${AGENT_UID} with no capabilities; /applied and /meta are read-only for the manager`
        : `process runtime: sandbox none (${mode === 'none' ? 'asked for' : 'bwrap not installed'}) — harnesses see the host, dirs are only passed by env; builds run nix on the host`,
    );
    if (this.runsAsRoot())
      this.log(
        o.allowUnsandboxedRoot
          ? 'WARNING: process runtime: agents run as ROOT on the host with no sandbox (--no-sandbox): any agent can do anything the daemon can'
          : 'process runtime: refusing to start agents as root without a sandbox: install bubblewrap (apt-get install bubblewrap) or pass --no-sandbox',
      );
  }

  /** Root with no sandbox: every agent would be root on the host. */
  private runsAsRoot(): boolean {
    return !this.bwrap && process.getuid?.() === 0;
  }

  private refuseUnsandboxedRoot(name: string): void {
    if (this.runsAsRoot() && !this.o.allowUnsandboxedRoot) throw new UnsandboxedRootError(name);
  }

  /** Records the agent and builds its config (like `nixos-container create --flake`); does not start it. */
  async create(agent: RuntimeAgent): Promise<void> {
    validateAgentName(agent.name);
    this.refuseUnsandboxedRoot(agent.name);
    await this.queue.run(agent.name, async () => {
      const settings = await this.build(agent);
      this.prepareDirs(agent);
      const e = this.entry(agent);
      e.settings = settings;
      if (e.status === 'absent') e.status = 'stopped';
      this.save(e);
    });
  }

  /** Build = parse every `.nix` + read `hive` settings; then restart a running (or crashed) harness with them. */
  async update(agent: RuntimeAgent, o: { checked?: HiveSettings } = {}): Promise<void> {
    validateAgentName(agent.name);
    await this.queue.run(agent.name, async () => {
      // A failed check throws here, before the running child is touched.
      const settings = o.checked ?? (await this.build(agent));
      const e = this.entry(agent);
      const before = e.settings;
      e.settings = settings;
      if (e.status === 'absent') e.status = 'stopped';
      this.save(e);
      // Only limits need a new process (its cgroup is set up at launch); everything else is read per turn.
      const reloadable = e.child?.running && e.status === 'running' && before !== null && sameLimits(before, settings);
      if (reloadable && (await this.reloadInPlace(e, settings))) return;
      if (e.child?.running || e.status === 'crashed') {
        await this.stopChild(e);
        await this.launch(e);
      }
    });
  }

  /** The build's check of the applied tree alone (it reads nothing else): see ContainerRuntime.checkTree. */
  checkTree(agent: RuntimeAgent): Promise<HiveSettings> {
    validateAgentName(agent.name);
    return this.build(agent);
  }

  async start(agent: RuntimeAgent): Promise<void> {
    validateAgentName(agent.name);
    this.refuseUnsandboxedRoot(agent.name);
    await this.queue.run(agent.name, async () => {
      const e = this.entry(agent);
      e.agent = agent;
      if (e.child?.running) return;
      if (!e.settings) e.settings = await this.build(agent);
      await this.launch(e);
    });
  }

  async stop(name: string): Promise<void> {
    validateAgentName(name);
    await this.queue.run(name, async () => {
      const e = this.entries.get(name);
      if (!e) return;
      await this.stopChild(e);
      if (e.status !== 'absent') e.status = 'stopped';
    });
  }

  /** Stops the harness and forgets the agent; its repos and state dir stay. */
  async destroy(name: string): Promise<void> {
    validateAgentName(name);
    await this.queue.run(name, async () => {
      const e = this.entries.get(name);
      if (e) await this.stopChild(e);
      this.entries.delete(name);
      this.records.remove(name);
    });
  }

  async list(): Promise<string[]> {
    const known = [...this.entries.values()].filter((e) => e.status !== 'absent').map((e) => e.agent.name);
    return [...new Set([...this.records.names(), ...known])].sort();
  }

  async status(name: string): Promise<ContainerStatus> {
    validateAgentName(name);
    const e = this.entries.get(name);
    if (e) return e.status;
    return this.records.read(name) ? 'stopped' : 'absent';
  }

  async logs(name: string, options: { lines?: number } = {}): Promise<string> {
    validateAgentName(name);
    const lines = options.lines ?? 100;
    const e = this.entries.get(name);
    if (e?.child) return e.child.tail(lines);
    const stateDir = e?.agent.stateDir ?? this.records.read(name)?.stateDir ?? stateLayout(this.o.stateRoot).agentState(name);
    return tailFile(path.join(stateDir, 'harness.log'), lines);
  }

  onCrash(listener: (name: string, info: CrashInfo) => void): void {
    this.listeners.push(listener);
  }

  /** Stops every harness this runtime started; no restarts afterwards. */
  async shutdown(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.entries.keys()].map((n) => this.stop(n).catch(() => {})));
  }

  private async build(agent: RuntimeAgent): Promise<HiveSettings> {
    if (!this.bwrap) this.log(`${agent.name}: build runs without a sandbox (no bwrap): nix reads the proposal on the host, restricted to its tree`);
    try {
      return await checkBuild(agent.appliedDir, { sandbox: { bwrap: this.bwrap } });
    } catch (e) {
      if (e instanceof BuildError && e.agent === undefined) throw new BuildError(e.stderr, { agent: agent.name, cause: e });
      throw e;
    }
  }

  private entry(agent: RuntimeAgent): Entry {
    let e = this.entries.get(agent.name);
    if (!e) {
      const rec = this.records.read(agent.name);
      e = { agent, settings: rec?.settings ?? null, status: rec ? 'stopped' : 'absent', crashTimes: [] };
      this.entries.set(agent.name, e);
    }
    e.agent = agent;
    return e;
  }

  private save(e: Entry): void {
    this.records.write(recordOf(e.agent, e.settings, e.child?.running ? (e.child.pid ?? null) : null));
  }

  /** Bind sources exist before the sandbox starts, even on a cold state root. */
  private prepareDirs(agent: RuntimeAgent): Mount[] {
    const mounts = agentMounts({ stateRoot: this.o.stateRoot, stateDir: agent.stateDir, isManager: agent.isManager, reloadDir: this.reloadDir(agent.name) });
    for (const m of mounts) mkdirSync(m.source, { recursive: true });
    return mounts;
  }

  /** Daemon-owned, read-only to the agent: where a settings reload is dropped for its harness. */
  private reloadDir(name: string): string {
    return path.join(this.o.stateRoot, 'runtime', 'reload', name);
  }

  /**
   * Reload in place: the env the harness would be started with goes into its reload drop, and the
   * harness applies it for the turns that start from now on (the page stays connected, a running
   * turn finishes). True once the harness reports that generation on /api/health; false (the
   * caller restarts it) when it does not within a few seconds.
   */
  private async reloadInPlace(e: Entry, settings: HiveSettings): Promise<boolean> {
    const { agent } = e;
    const mounts = this.prepareDirs(agent);
    const env = this.childEnv(agent, settings, mounts);
    const generation = randomUUID();
    const dir = this.reloadDir(agent.name);
    const tmp = path.join(dir, `.settings.${generation}.tmp`);
    // A harness says it takes reloads by reporting its settings generation (null: as started).
    const pid = e.child ? this.harnessPid(e.child) : null;
    if (pid === null || !('settings' in ((await probeHealth(agent.port)) ?? {}))) {
      this.log(`${agent.name}: the harness does not take reloads: restarting it`);
      return false;
    }
    writeFileSync(tmp, JSON.stringify({ generation, env }), { mode: 0o644 });
    renameSync(tmp, path.join(dir, RELOAD_FILE));
    // To the harness alone: a signal to bwrap's whole tree would reach a running turn's claude.
    try {
      process.kill(pid, RELOAD_SIGNAL);
    } catch {
      return false;
    }
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && e.child?.running) {
      if ((await probeHealth(agent.port))?.settings === generation) {
        this.log(`${agent.name}: settings reloaded in place (no restart)`);
        return true;
      }
      await sleep(20);
    }
    this.log(`${agent.name}: the harness did not take the reload: restarting it`);
    return false;
  }

  private childEnv(agent: RuntimeAgent, settings: HiveSettings, mounts: Mount[]): Record<string, string> {
    return harnessEnv({ agent, settings, mounts, sandboxed: this.sandbox === 'bwrap', inherit: this.o.inheritEnv });
  }

  /** Spawns the harness and waits until it answers `/api/health`; throws HarnessStartError with its last output. */
  private async launch(e: Entry): Promise<void> {
    const { agent } = e;
    this.refuseUnsandboxedRoot(agent.name);
    const mounts = this.prepareDirs(agent);
    // A fresh harness starts from its env: an older reload drop must not be taken for a new one.
    rmSync(path.join(this.reloadDir(agent.name), RELOAD_FILE), { force: true });
    await this.ensurePortFree(agent);
    const env = this.childEnv(agent, e.settings ?? EMPTY_SETTINGS, mounts);
    const child = new HarnessChild({
      argv: this.argv(agent, mounts, env),
      env,
      cwd: path.resolve(agent.stateDir),
      logFile: path.join(agent.stateDir, 'harness.log'),
      signalDescendants: Boolean(this.bwrap),
    });
    e.child = child;
    e.status = 'starting';
    e.cgroup = this.limit(agent.name, e.settings ?? EMPTY_SETTINGS, child);
    void child.exited.then((info) => this.onExit(e, child, info));
    try {
      await this.waitReady(agent, child);
    } catch (err) {
      if (child.running) await child.stop(this.o.stopGraceMs ?? 5000);
      e.status = 'crashed';
      this.save(e);
      // Ours is gone, so a listener now is what kept it from binding through all its retries.
      if (!(await portFree(agent.port))) throw new PortInUseError(agent.name, agent.port);
      throw err;
    }
    e.status = 'running';
    this.save(e);
    this.log(`${agent.name}: harness up on 127.0.0.1:${agent.port} (pid ${child.pid}, sandbox ${this.sandbox})`);
  }

  /**
   * hive.limits through cgroups: the child and what it has forked so far (bwrap's sandbox init, the
   * harness) join the agent's group right after spawn; everything they start later (claude) inherits
   * it. Limits the host cannot enforce are said, never silently dropped.
   */
  private limit(name: string, settings: HiveSettings, child: HarnessChild): AgentCgroup | undefined {
    const limits = settings.limits ?? {};
    if (Object.keys(limits).length === 0) return undefined;
    this.cgroupHost ??= detectCgroupHost({ stateRoot: this.o.stateRoot, root: this.o.cgroupRoot });
    const group = AgentCgroup.create(this.cgroupHost, name, limits);
    if (group.unenforced.length)
      this.log(`${name}: warning: hive.limits ${group.unenforced.join(', ')} not enforced: this host has no writable cgroup controller for ${group.unenforced.length > 1 ? 'them' : 'it'} (cgroups v2 with delegation, or the v1 memory/pids/cpu controllers)`);
    const pid = child.pid;
    if (pid) {
      group.join([pid, ...descendants(pid)]);
      // bwrap forks its sandbox init within moments of starting: catch a child forked after the first walk.
      for (const ms of [5, 20, 60]) setTimeout(() => child.running && group.join(descendants(pid)), ms).unref();
    }
    return group;
  }

  /** The harness process itself: the child, or under bwrap the descendant running the harness command. */
  private harnessPid(child: HarnessChild): number | null {
    const pid = child.pid;
    if (!pid) return null;
    if (!this.bwrap) return pid;
    // bwrap's own processes carry the command among their arguments: the harness is the one it exec'd.
    return descendants(pid).find((p) => this.looksLikeOurs(p) && !/(^|\/)bwrap$/.test(argv0(p))) ?? null;
  }

  /** bwrap around the harness command, or setpriv's parent-death signal when there is no sandbox. */
  private argv(agent: RuntimeAgent, mounts: Mount[], env: Record<string, string>): string[] {
    const command = this.o.harnessCommand;
    if (this.bwrap) {
      const runs = claudeCommandPaths(env.HIVE_CLAUDE_CMD);
      const extraReadOnly = this.o.extraReadOnly;
      const identity = writeSandboxIdentity(this.o.stateRoot);
      const { disableUserns } = bwrapFeatures(this.bwrap);
      return [this.bwrap, ...bwrapArgs({ name: agent.name, command, mounts, stateRoot: this.o.stateRoot, extraReadOnly, runs, identity, disableUserns })];
    }
    return this.setpriv ? [this.setpriv, '--pdeathsig', 'KILL', '--', ...command] : [...command];
  }

  private async waitReady(agent: RuntimeAgent, child: HarnessChild): Promise<void> {
    const timeout = this.o.readyTimeoutMs ?? 15_000;
    const deadline = Date.now() + timeout;
    let exit: ExitInfo | null = null;
    void child.exited.then((i) => (exit = i));
    // First probe soon, then back off: a fast harness answers within tens of ms, a slow one is not hammered.
    let pause = 10;
    while (Date.now() < deadline) {
      if (exit) throw new HarnessStartError(agent.name, `it exited with ${describeExit(exit)}`, child.tail(20));
      const body = await probeHealth(agent.port);
      // The name check: another agent's harness on this port is not ours being ready.
      if (body?.ok === true && body.name === (agent.env.HIVE_NAME ?? agent.name)) return;
      await Promise.race([sleep(pause), child.exited]);
      pause = Math.min(100, pause * 2);
    }
    throw new HarnessStartError(agent.name, `no answer on 127.0.0.1:${agent.port}/api/health within ${timeout} ms`, child.tail(20));
  }

  /**
   * A harness left by a SIGKILLed daemon still holds the port: end it if it is ours. Anything else
   * on the port is not refused here: the harness's bounded bind retry waits out a short hold
   * (TIME_WAIT, an old harness still exiting), and launch names a port that stays taken.
   */
  private async ensurePortFree(agent: RuntimeAgent): Promise<void> {
    if (await portFree(agent.port)) return;
    const stale = this.records.read(agent.name)?.pid;
    if (!stale || !this.looksLikeOurs(stale)) return;
    this.log(`${agent.name}: killing leftover harness pid ${stale} holding port ${agent.port}`);
    for (const p of [...descendants(stale), stale]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    for (let i = 0; i < 30 && !(await portFree(agent.port)); i++) await sleep(100);
  }

  private looksLikeOurs(pid: number): boolean {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv.includes(this.o.harnessCommand.at(-1)!);
    } catch {
      return false;
    }
  }

  private async stopChild(e: Entry): Promise<void> {
    const child = e.child;
    if (!child) return;
    if (child.running) await child.stop(this.o.stopGraceMs ?? 5000);
    await e.cgroupRemoved;
    if (e.child === child) e.child = undefined;
    if (e.status !== 'absent') this.save(e);
  }

  private onExit(e: Entry, child: HarnessChild, info: ExitInfo): void {
    const wasRunning = e.status === 'running';
    const group = e.cgroup;
    const oom = group ? group.oomKills() > 0 : false;
    if (e.child === child) {
      e.child = undefined;
      e.cgroup = undefined;
      e.cgroupRemoved = group?.remove();
    }
    if (child.expected || !wasRunning) return; // stop/update/destroy, or a failed start the caller already hears about
    e.status = 'crashed';
    // Ctrl-C reaches the harnesses (same process group) as soon as the daemon: give its
    // shutdown() a moment to claim the exit before calling it a crash.
    setTimeout(() => {
      if (this.closing) return;
      this.log(`${e.agent.name}: harness exited unexpectedly with ${describeExit(info)}`);
      for (const l of this.listeners) {
        try {
          const reason = oom ? `killed for memory: over its hive.limits.memoryMax (${e.settings?.limits?.memoryMax})` : undefined;
          l(e.agent.name, { code: info.code, signal: info.signal, tail: child.tail(50), ...(reason ? { reason } : {}) });
        } catch (err) {
          this.log(`crash listener failed: ${(err as Error).message}`);
        }
      }
      if (this.o.restartOnCrash) this.scheduleRestart(e);
    }, CRASH_REPORT_DELAY_MS).unref();
  }

  private scheduleRestart(e: Entry): void {
    const now = Date.now();
    e.crashTimes = [...e.crashTimes.filter((t) => now - t < 60_000), now];
    if (e.crashTimes.length > RESTART_LIMIT) {
      this.log(`${e.agent.name}: crashed ${e.crashTimes.length} times in a minute, not restarting`);
      return;
    }
    setTimeout(() => {
      if (this.closing || e.status !== 'crashed' || this.entries.get(e.agent.name) !== e) return;
      void this.queue.run(e.agent.name, async () => {
        if (e.status === 'crashed' && !this.closing) await this.launch(e);
      }).catch((err: Error) => this.log(`${e.agent.name}: restart failed: ${err.message}`));
    }, 1000).unref();
  }
}

function argv0(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
  } catch {
    return '';
  }
}

function sameLimits(a: HiveSettings, b: HiveSettings): boolean {
  return JSON.stringify(a.limits ?? {}) === JSON.stringify(b.limits ?? {});
}

function describeExit(i: ExitInfo): string {
  if (i.signal) return `signal ${i.signal}`;
  return i.code === null ? 'no exit status (it could not be spawned)' : `code ${i.code}`;
}

