import path from 'node:path';
import { containerName, validateAgentName } from '@hive/core';
import { ensureBindSources, nspawnBindFlags } from './binds.js';
import { CrashWatch } from './crash-watch.js';
import { BuildError, ContainerCommandError, InvalidFlakeRefError, InvalidNetworkModeError } from './errors.js';
import { applyContainerLimits, settingsLimits, type ContainerLimits } from './nixos/limits.js';
import { NETWORK_MODES, readContainerNetwork, writeContainerConf, type ContainerNetwork, type NetworkMode } from './nixos/network.js';
import { runTool, type Ran } from './nixos/tool.js';
import type { ContainerRuntime, ContainerStatus, CrashInfo, RuntimeAgent } from './runtime.js';

export interface NixosRuntimeOptions {
  /** HIVE_STATE_DIR: the bind sources live under it. */
  stateRoot: string;
  nixosContainerBin?: string;
  systemctlBin?: string;
  journalctlBin?: string;
  /**
   * Where the host's nixos-container keeps `<container>.conf`: /etc/nixos-containers, or /etc/containers on
   * hosts with system.stateVersion < 22.05 (host.nix passes the host's own as HIVE_NIXOS_CONF_DIR).
   */
  confDir?: string;
  /** `host` (default: the seed's 127.0.0.1 port scheme) or `private` (veth pair per container); see nixos/network.ts. */
  network?: NetworkMode;
  /** Parent of the private working dir each tool call gets (default: the OS temp dir). */
  workDir?: string;
  /**
   * The agent's `hive.limits` as container unit settings, read after each good build (default: a lazy
   * `nix eval` of `hive.containerUnit.serviceConfig`); null skips applying them.
   */
  limitsOf?: (agent: RuntimeAgent) => Promise<ContainerLimits | null>;
  /** How often started containers are polled for crashes; 0 turns crash detection off. */
  pollIntervalMs?: number;
  /** Extra environment for every tool call (tests point the fakes at their temp dirs with it). */
  env?: Record<string, string>;
  /** Where background problems (a failing crash poll) are reported. */
  log?: (line: string) => void;
}

/** Runs agents as nixos-containers built from the meta flake; bind flags go in each container's conf. */
export class NixosRuntime implements ContainerRuntime {
  readonly kind = 'nixos' as const;
  private readonly bin: string;
  private readonly systemctl: string;
  private readonly journalctl: string;
  private readonly confDir: string;
  readonly network: NetworkMode;
  private readonly listeners: ((name: string, info: CrashInfo) => void)[] = [];
  private readonly crashed = new Set<string>();
  private readonly watch: CrashWatch;

  constructor(private readonly o: NixosRuntimeOptions) {
    this.bin = o.nixosContainerBin ?? 'nixos-container';
    this.systemctl = o.systemctlBin ?? 'systemctl';
    this.journalctl = o.journalctlBin ?? 'journalctl';
    this.confDir = o.confDir ?? '/etc/nixos-containers';
    this.network = o.network ?? 'host';
    if (!NETWORK_MODES.includes(this.network)) throw new InvalidNetworkModeError(String(this.network));
    this.watch = new CrashWatch({
      intervalMs: o.pollIntervalMs ?? 3000,
      poll: () => this.pollStatuses(),
      onCrash: (name) => void this.reportCrash(name),
      onError: (e) => o.log?.(`crash poll failed: ${e instanceof Error ? e.message : String(e)}`),
    });
  }

  /** The conf file nixos-container keeps for an agent's container. */
  confFile(name: string): string {
    return path.join(this.confDir, `${containerName(name)}.conf`);
  }

  /** Where an agent's container is reachable (its conf's network lines); null when it has no conf. */
  addresses(name: string): Promise<ContainerNetwork | null> {
    return readContainerNetwork(this.confFile(validateAgentName(name)));
  }

  /** Host network: the harness's port on 127.0.0.1; private: on the container's LOCAL_ADDRESS. */
  async harnessAddress(name: string): Promise<string> {
    if (this.network !== 'private') return '127.0.0.1';
    return (await this.addresses(name))?.localAddress ?? '127.0.0.1';
  }

  async create(agent: RuntimeAgent): Promise<void> {
    const { flags, flakeRef } = this.prepare(agent);
    await ensureBindSources(this.layout(agent));
    try {
      await this.build('create', agent.name, flakeRef);
    } catch (e) {
      // nixos-container writes the conf before it builds and dies without removing it, so every
      // retry would say "already exists"; a conf that was there before this call is not ours to remove.
      if (e instanceof BuildError && !/already exists/.test(e.stderr)) await this.discardFailedCreate(agent.name);
      throw e;
    }
    // create refuses an existing conf, so network and flags can only be written after it; both apply at start.
    await this.writeConf(agent.name, flags);
    await this.applyLimits(agent);
  }

  async update(agent: RuntimeAgent): Promise<void> {
    const { flags, flakeRef } = this.prepare(agent);
    await ensureBindSources(this.layout(agent));
    // A running container is only reloaded (switch-to-configuration): a changed conf waits for its next start.
    if (await this.writeConf(agent.name, flags)) this.o.log?.(`${containerName(agent.name)}.conf changed: the new network and binds apply at its next start`);
    await this.build('update', agent.name, flakeRef);
    await this.applyLimits(agent);
  }

  async start(agent: RuntimeAgent): Promise<void> {
    const c = containerName(agent.name);
    this.watch.intend(agent.name, 'running');
    this.crashed.delete(agent.name);
    try {
      await this.run(this.bin, ['start', c]);
    } catch (e) {
      this.watch.forget(agent.name);
      throw e;
    }
    this.watch.confirm(agent.name, 'running');
    this.watch.start();
  }

  async stop(name: string): Promise<void> {
    await this.stopping(name, 'stop');
  }

  /** Stops and removes the container; a container that is already gone counts as destroyed. */
  async destroy(name: string): Promise<void> {
    await this.stopping(name, 'destroy');
    this.crashed.delete(name);
  }

  /** Agent names of every `h-*` container, sorted as nixos-container lists them. */
  async list(): Promise<string[]> {
    const { stdout } = await this.run(this.bin, ['list']);
    return stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^h-[a-z][a-z0-9-]*$/.test(l))
      .map((l) => l.slice(2));
  }

  async status(name: string): Promise<ContainerStatus> {
    const c = containerName(name);
    const r = await this.run(this.bin, ['status', c], { allowMissing: true });
    if (r === null) return 'absent';
    const s = r.stdout.trim();
    if (s === 'up') {
      this.crashed.delete(name); // started again outside the runtime: the crash is over
      return 'running';
    }
    if (s === 'down') return this.crashed.has(name) ? 'crashed' : 'stopped';
    throw new ContainerCommandError([this.bin, 'status', c], `unexpected status output ${JSON.stringify(s)}`);
  }

  async logs(name: string, options: { lines?: number } = {}): Promise<string> {
    const lines = options.lines ?? 200;
    if (!Number.isInteger(lines) || lines < 1) throw new RangeError(`lines must be a positive integer, got ${lines}`);
    const r = await this.run(this.journalctl, ['-M', containerName(name), '-n', String(lines), '--no-pager']);
    return r.stdout;
  }

  onCrash(listener: (name: string, info: CrashInfo) => void): void {
    this.listeners.push(listener);
    this.watch.start();
  }

  /** Stops crash polling; the containers themselves keep running (systemd owns them). */
  async shutdown(): Promise<void> {
    await this.watch.stop();
  }

  /** Runs one crash poll now instead of waiting for the timer. */
  pollNow(): Promise<void> {
    return this.watch.tick();
  }

  private layout(agent: RuntimeAgent) {
    return { stateRoot: this.o.stateRoot, name: agent.name, isManager: agent.isManager };
  }

  // Everything that can refuse the input runs before any tool or disk write.
  private prepare(agent: RuntimeAgent): { flags: string[]; flakeRef: string } {
    validateAgentName(agent.name);
    const ref = agent.flakeRef;
    if (typeof ref !== 'string' || !/^[^-\s][^\s]*#[^\s#]+$/.test(ref)) throw new InvalidFlakeRefError(String(ref));
    return { flags: nspawnBindFlags(this.layout(agent)), flakeRef: ref };
  }

  private async writeConf(name: string, flags: string[]): Promise<boolean> {
    return writeContainerConf({ confFile: this.confFile(name), mode: this.network, flags });
  }

  private async applyLimits(agent: RuntimeAgent): Promise<void> {
    await applyContainerLimits({
      agent,
      limitsOf: this.o.limitsOf ?? settingsLimits,
      setProperty: (unit, assignments) => this.run(this.systemctl, ['set-property', unit, ...assignments]),
      log: this.o.log,
    });
  }

  private async discardFailedCreate(name: string): Promise<void> {
    try {
      await this.run(this.bin, ['destroy', containerName(name)], { allowMissing: true });
    } catch (e) {
      this.o.log?.(`could not remove the half-created ${containerName(name)}: ${e instanceof Error ? e.message : String(e)} — run nixos-container destroy ${containerName(name)}`);
    }
  }

  private async build(action: 'create' | 'update', name: string, flakeRef: string): Promise<void> {
    try {
      await this.run(this.bin, [action, containerName(name), '--flake', flakeRef]);
    } catch (e) {
      if (e instanceof ContainerCommandError) throw new BuildError(e.stderr, { agent: name, cause: e });
      throw e;
    }
  }

  private async stopping(name: string, action: 'stop' | 'destroy'): Promise<void> {
    const c = containerName(name);
    this.watch.intend(name, 'stopped');
    try {
      await this.run(this.bin, [action, c], { allowMissing: action === 'destroy' });
    } catch (e) {
      this.watch.forget(name); // it may still be running: a later exit is news again
      throw e;
    }
    this.watch.confirm(name, 'stopped');
  }

  private async pollStatuses(): Promise<Map<string, 'running' | 'stopped'>> {
    const out = new Map<string, 'running' | 'stopped'>();
    for (const name of await this.list()) {
      const s = await this.status(name);
      if (s === 'running') out.set(name, 'running');
      else if (s !== 'absent') out.set(name, 'stopped');
    }
    return out;
  }

  private async reportCrash(name: string): Promise<void> {
    this.crashed.add(name);
    const [code, tail] = await Promise.all([
      this.run(this.systemctl, ['show', `container@${containerName(name)}`, '--property=ExecMainStatus', '--value'])
        .then((r) => (/^\d+$/.test(r.stdout.trim()) ? Number(r.stdout.trim()) : null))
        .catch(() => null),
      this.logs(name, { lines: 30 }).catch(() => ''),
    ]);
    const info: CrashInfo = { code, signal: null, tail };
    for (const l of this.listeners) {
      try {
        l(name, info);
      } catch (e) {
        this.o.log?.(`crash listener failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /** One tool call in its own working dir; null when allowMissing and the tool says the container does not exist. */
  private async run(bin: string, args: string[], opts: { allowMissing: boolean }): Promise<Ran | null>;
  private async run(bin: string, args: string[]): Promise<Ran>;
  private async run(bin: string, args: string[], opts: { allowMissing?: boolean } = {}): Promise<Ran | null> {
    return runTool(bin, args, { env: this.o.env, allowMissing: opts.allowMissing, workDir: this.o.workDir });
  }
}
