import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stateLayout } from '@hive/core';
import { findPortHolder } from '@hive/ports';
import { commitFiles, initRepo, tempDir } from '@hive/testkit';
import type { CrashInfo, RuntimeAgent } from '../runtime.js';
import { freePort, miniHarnessPath } from '../testing.js';
import { AgentCgroup, detectCgroupHost, memoryBytes } from './cgroup-limits.js';
import { ProcessRuntime } from './process-runtime.js';

const runtimes: ProcessRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.shutdown()));
});

async function limitedAgent(root: string, limits: string): Promise<RuntimeAgent> {
  const layout = stateLayout(root);
  const dir = await initRepo(layout.applied('coder'));
  await commitFiles(dir, { 'agent.nix': `{ ... }: { hive = { model = "m"; limits = ${limits}; }; }\n` });
  return { name: 'coder', port: await freePort(), isManager: false, env: { HIVE_TOKEN: 't' }, flakeRef: `${layout.metaDir}#coder`, appliedDir: dir, stateDir: layout.agentState('coder') };
}

function runtime(root: string, logs: string[], cgroupRoot?: string) {
  const rt = new ProcessRuntime({ stateRoot: root, harnessCommand: [process.execPath, miniHarnessPath], log: (m) => logs.push(m), readyTimeoutMs: 10_000, stopGraceMs: 2000, cgroupRoot });
  runtimes.push(rt);
  return rt;
}

/** The harness's pid as the host sees it (under bwrap the runtime's child is bwrap; the harness answers from inside). */
function groupOf(pid: number, controller: string): string {
  return readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1]?.split(',').includes(controller))?.split(':')[2] ?? '';
}

const host = detectCgroupHost({ stateRoot: '/probe' });

describe('memoryBytes', () => {
  it('reads systemd sizes as powers of 1024, infinity as no cap', () => {
    expect(memoryBytes('512')).toBe(512);
    expect(memoryBytes('64M')).toBe(64 * 1024 ** 2);
    expect(memoryBytes('2G')).toBe(2 * 1024 ** 3);
    expect(memoryBytes('infinity')).toBeNull();
  });
});

describe('detectCgroupHost', () => {
  it('says no limits can be enforced where there is no cgroup fs, so every limit is reported unenforced', () => {
    const fake = tempDir('hive-nocg-');
    writeFileSync(path.join(fake, 'self'), '0::/\n');
    const h = detectCgroupHost({ root: path.join(fake, 'sys'), self: path.join(fake, 'self'), stateRoot: fake });
    expect(h.version).toBeNull();
    const g = AgentCgroup.create(h, 'coder', { memoryMax: '64M', tasksMax: 10, cpuQuota: '50%' });
    expect(g.unenforced.sort()).toEqual(['cpuQuota', 'memoryMax', 'tasksMax']);
    expect(g.dirs).toEqual([]);
  });

  it('finds v1 controllers by their line in /proc/self/cgroup, under the process own group', () => {
    const fake = tempDir('hive-v1cg-');
    for (const c of ['memory', 'pids']) mkdirSync(path.join(fake, 'sys', c, 'job'), { recursive: true });
    writeFileSync(path.join(fake, 'self'), '4:memory:/job\n8:pids:/job\n0::/\n');
    const h = detectCgroupHost({ root: path.join(fake, 'sys'), self: path.join(fake, 'self'), stateRoot: '/s' });
    expect(h.version).toBe('v1');
    expect(h.bases.memory).toMatch(new RegExp(`^${fake}/sys/memory/job/hyperhive-[0-9a-f]{8}$`));
    expect(h.bases.cpu).toBeNull();
  });
});

describe('hive.limits where the host has no cgroups to write', () => {
  it('starts the agent uncapped and says at spawn which limits are not enforced', async () => {
    const root = tempDir('hive-nolimits-');
    const logs: string[] = [];
    const rt = runtime(root, logs, path.join(root, 'no-cgroup-fs'));
    const a = await limitedAgent(root, '{ memoryMax = "1G"; cpuQuota = "50%"; }');
    await rt.create(a);
    await rt.start(a);
    expect(await rt.status('coder')).toBe('running');
    expect(logs).toContain(
      'coder: warning: hive.limits cpuQuota, memoryMax not enforced: this host has no writable cgroup controller for them (cgroups v2 with delegation, or the v1 memory/pids/cpu controllers)',
    );
  });
});

// These machines (and CI) give root the v1 memory and pids controllers: detection must find them,
// not skip the enforcement tests (the no-cgroup path has its own test above).
describe('hive.limits on the process runtime (cgroups this host lets the daemon write)', () => {
  it('finds the memory and pids controllers of this host', () => {
    expect(host.version, 'no writable cgroup controllers found on this host').not.toBeNull();
    expect(host.bases.memory).not.toBeNull();
    expect(host.bases.pids).not.toBeNull();
  });

  it('puts the harness in a group holding memoryMax and tasksMax, and takes the group away when it stops', async () => {
    const root = tempDir('hive-limits-');
    const logs: string[] = [];
    const rt = runtime(root, logs);
    const a = await limitedAgent(root, '{ memoryMax = "256M"; tasksMax = 64; }');
    await rt.create(a);
    await rt.start(a);
    const state = (await (await fetch(`http://127.0.0.1:${a.port}/api/state`)).json()) as { pid: number };
    // Under bwrap the harness's own pid is namespace-local: find it on the host by its port's owner instead.
    const pid = rt.sandbox === 'bwrap' ? hostPidOf(a.port) : state.pid;
    const memGroup = groupOf(pid, 'memory');
    expect(memGroup).toMatch(/\/hyperhive-[0-9a-f]{8}\/coder$/);
    const dir = path.join('/sys/fs/cgroup/memory', memGroup);
    expect(Number(readFileSync(path.join(dir, 'memory.limit_in_bytes'), 'utf8'))).toBe(256 * 1024 ** 2);
    expect(readFileSync(path.join('/sys/fs/cgroup/pids', groupOf(pid, 'pids'), 'pids.max'), 'utf8').trim()).toBe('64');
    await rt.stop('coder');
    expect(() => readFileSync(path.join(dir, 'memory.limit_in_bytes'))).toThrow();
    expect(logs.some((l) => l.includes('not enforced'))).toBe(false);
  });

  it('kills an agent that goes over memoryMax and reports a container crash with that reason', async () => {
    const root = tempDir('hive-oom-');
    const rt = runtime(root, []);
    const a = await limitedAgent(root, '{ memoryMax = "120M"; }');
    const crashes: CrashInfo[] = [];
    rt.onCrash((_, info) => crashes.push(info));
    await rt.create(a);
    await rt.start(a);
    await fetch(`http://127.0.0.1:${a.port}/hog?mb=400`, { method: 'POST' }).catch(() => null);
    const deadline = Date.now() + 20_000;
    while (!crashes.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(crashes[0]).toMatchObject({ reason: 'killed for memory: over its hive.limits.memoryMax (120M)' });
    // SIGKILL itself, or bwrap's report of it (128 + 9).
    expect(crashes[0]!.signal === 'SIGKILL' || crashes[0]!.code === 137).toBe(true);
    expect(await rt.status('coder')).toBe('crashed');
  });
});

/** The pid listening on the port (under bwrap the harness's own pid is namespace-local). */
function hostPidOf(port: number): number {
  const pid = findPortHolder(port)?.pid;
  if (!pid) throw new Error(`nothing we can see listens on ${port}`);
  return pid;
}
