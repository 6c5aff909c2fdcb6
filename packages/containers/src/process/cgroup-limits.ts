import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { HiveLimits } from './hive-settings.js';

/**
 * `hive.limits` on the process runtime, through the kernel's cgroups: v2 when the daemon's own
 * cgroup delegates memory/pids/cpu, else the v1 controllers it can write (what these hosts have).
 * Each agent gets a group under the daemon's own cgroup, named per state dir so two daemons never share one.
 */
export interface CgroupHost {
  version: 'v2' | 'v1' | null;
  /** Per controller, the dir under which agent groups are made (null: not writable here). */
  bases: Record<Controller, string | null>;
}
type Controller = 'memory' | 'pids' | 'cpu';
const CONTROLLERS: Controller[] = ['memory', 'pids', 'cpu'];
const LIMIT_CONTROLLER: Record<keyof HiveLimits, Controller> = { memoryMax: 'memory', tasksMax: 'pids', cpuQuota: 'cpu' };
const CPU_PERIOD_US = 100_000;

/** Where this process's cgroups are and which controllers it may write. */
export function detectCgroupHost(o: { root?: string; self?: string; stateRoot: string }): CgroupHost {
  const root = o.root ?? '/sys/fs/cgroup';
  const own = parseProcCgroup(readOr(o.self ?? '/proc/self/cgroup'));
  const tag = `hyperhive-${createHash('sha256').update(path.resolve(o.stateRoot)).digest('hex').slice(0, 8)}`;
  const v2Path = own.get('');
  const v2Dir = v2Path !== undefined ? path.join(existsSync(path.join(root, 'unified')) ? path.join(root, 'unified') : root, v2Path) : null;
  const v2Controllers = v2Dir ? readOr(path.join(v2Dir, 'cgroup.controllers')).split(/\s+/) : [];
  if (v2Dir && CONTROLLERS.some((c) => v2Controllers.includes(c)) && writable(v2Dir)) {
    const base = path.join(v2Dir, tag);
    return { version: 'v2', bases: Object.fromEntries(CONTROLLERS.map((c) => [c, v2Controllers.includes(c) ? base : null])) as CgroupHost['bases'] };
  }
  const bases = Object.fromEntries(
    CONTROLLERS.map((c) => {
      const rel = [...own.entries()].find(([k]) => k.split(',').includes(c))?.[1];
      const dir = rel !== undefined ? path.join(root, c, rel) : null;
      return [c, dir && writable(dir) ? path.join(dir, tag) : null];
    }),
  ) as CgroupHost['bases'];
  return { version: CONTROLLERS.some((c) => bases[c]) ? 'v1' : null, bases };
}

/** One agent's group: the limits written, the pids it holds, its OOM kills. */
export class AgentCgroup {
  private constructor(
    private readonly host: CgroupHost,
    readonly dirs: string[],
    /** Limits set in agent.nix that this host cannot enforce (said at spawn). */
    readonly unenforced: (keyof HiveLimits)[],
  ) {
    this.oomAtStart = this.oomKills();
  }
  private oomAtStart = 0;

  /** Makes the group and writes the limits; limits this host cannot hold are listed in `unenforced`, never silently dropped. */
  static create(host: CgroupHost, name: string, limits: HiveLimits): AgentCgroup {
    const dirs: string[] = [];
    const unenforced: (keyof HiveLimits)[] = [];
    for (const key of Object.keys(limits) as (keyof HiveLimits)[]) {
      const base = host.bases[LIMIT_CONTROLLER[key]];
      if (!base || !host.version) {
        unenforced.push(key);
        continue;
      }
      const dir = path.join(base, name);
      try {
        if (host.version === 'v2') enableV2(base, LIMIT_CONTROLLER[key]);
        mkdirSync(dir, { recursive: true });
        for (const [file, value] of limitFiles(host.version, key, limits)) writeFileSync(path.join(dir, file), value);
        if (!dirs.includes(dir)) dirs.push(dir);
      } catch {
        unenforced.push(key);
      }
    }
    return new AgentCgroup(host, dirs, unenforced);
  }

  /** Moves `pids` (a process and its descendants: each whole thread group) into every controller's group. */
  join(pids: number[]): void {
    for (const dir of this.dirs) for (const pid of pids) {
      try {
        writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
      } catch {
        // exited meanwhile
      }
    }
  }

  /** OOM kills inside the group since it was set up (the kernel's counter, v1 memory.oom_control or v2 memory.events). */
  oomKills(): number {
    const mem = this.dirs.find((d) => this.host.bases.memory && d.startsWith(this.host.bases.memory));
    if (!mem) return 0;
    const text = readOr(path.join(mem, this.host.version === 'v2' ? 'memory.events' : 'memory.oom_control'));
    const n = Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
    return n - this.oomAtStart;
  }

  /**
   * Removes the groups once they are empty: the sandbox's last processes can outlive bwrap by a
   * moment, so a busy group is tried again every 20 ms for up to `waitMs`; one still in use after
   * that is left for the next start.
   */
  async remove(waitMs = 2000): Promise<void> {
    const deadline = Date.now() + waitMs;
    let left = [...this.dirs];
    for (;;) {
      left = left.filter((dir) => {
        try {
          rmdirSync(dir);
          return false;
        } catch (e) {
          return (e as { code?: string }).code === 'EBUSY';
        }
      });
      if (left.length === 0 || Date.now() >= deadline) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** "512M" → bytes (systemd's K/M/G/T are powers of 1024). */
export function memoryBytes(size: string): number | null {
  if (size === 'infinity') return null;
  const m = /^(\d+)([KMGT]?)$/.exec(size);
  if (!m) throw new TypeError(`not a systemd size: ${size}`);
  return Number(m[1]) * 1024 ** ' KMGT'.indexOf(m[2] || ' ');
}

function limitFiles(version: 'v1' | 'v2', key: keyof HiveLimits, l: HiveLimits): [string, string][] {
  if (key === 'memoryMax') {
    const bytes = memoryBytes(l.memoryMax!);
    if (version === 'v2') return [['memory.max', bytes === null ? 'max' : String(bytes)]];
    return [['memory.limit_in_bytes', bytes === null ? '-1' : String(bytes)]];
  }
  if (key === 'tasksMax') return [['pids.max', String(l.tasksMax)]];
  const quota = Math.round((Number(l.cpuQuota!.replace('%', '')) / 100) * CPU_PERIOD_US);
  return version === 'v2' ? [['cpu.max', `${quota} ${CPU_PERIOD_US}`]] : [['cpu.cfs_period_us', String(CPU_PERIOD_US)], ['cpu.cfs_quota_us', String(quota)]];
}

function enableV2(base: string, controller: Controller): void {
  mkdirSync(base, { recursive: true });
  // The parent must hand the controller down before a child group can use it.
  for (const dir of [path.dirname(base), base]) {
    const control = path.join(dir, 'cgroup.subtree_control');
    if (!readOr(control).split(/\s+/).includes(controller)) writeFileSync(control, `+${controller}`);
  }
}

/** `/proc/self/cgroup` → controller list ('' for v2) → path. */
function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function writable(dir: string): boolean {
  // A probe group: the only reliable test (sysfs modes do not say what the kernel allows).
  const probe = path.join(dir, `hyperhive-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}
