import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateLayout } from '@hive/core';
import { commitFiles, initRepo, tempDir } from '@hive/testkit';
import { freePort, miniHarnessPath } from '../testing.js';
import { AGENT_UID } from './identity.js';
import { ProcessRuntime } from './process-runtime.js';

/**
 * Acts as the manager agent does: a shell inside the runtime's own bwrap sandbox, with
 * the manager's binds (/agents RW, /applied and /meta RO, /state) and the host's network.
 * The "harness" is a shell script that runs every attack and its positive control, writes
 * one line per check into /state, then execs the mini-harness so the runtime sees it ready.
 */
const SCRIPT = String.raw`#!/bin/sh
R=/state/red-team.tsv
: > "$R"
check() {
  name=$1; shift
  out=$("$@" 2>&1); rc=$?
  printf '%s\t%s\t%s\n' "$name" "$rc" "$(printf %s "$out" | tr '\n\t' '  ')" >> "$R"
}
check uid id -u
check user id -un
check caps grep -E '^Cap(Prm|Eff|Bnd|Amb)' /proc/self/status
check nonewprivs grep NoNewPrivs /proc/self/status
check remount mount -o remount,rw,bind /applied
check userns-remount unshare -rm sh -c 'mount -o remount,rw,bind /applied && touch /applied/pwned-by-userns'
check write-applied sh -c 'echo pwned > /applied/hm1nd/agent.nix'
check write-applied-new sh -c 'echo pwned > /applied/pwned'
check write-meta sh -c 'echo pwned > /meta/flake.nix'
check write-reload sh -c 'echo "{\"generation\":\"pwned\",\"env\":{}}" > /hive-reload/settings.json'
check git-applied git -C /applied/coder commit --allow-empty -q -m pwned
check write-usr sh -c 'echo pwned > /usr/bin/pwned'
check write-state sh -c 'echo from-agent > /state/agent-file && cat /state/agent-file'
check write-agents sh -c 'echo proposal > /agents/coder/config/notes.md && cat /agents/coder/config/notes.md'
check git-commit sh -c 'cd /agents/coder/config && git add notes.md && git commit -q -m "agent commit" && git log -1 --format=%ae'
check operator-token cat "$HIVE_TEST_ROOT/operator-token"
check other-state cat "$HIVE_TEST_ROOT/state/coder/token"
check own-state cat /state/own-token
check sandbox-files cat "$HIVE_TEST_ROOT/.sandbox/passwd"
check shadow cat /etc/shadow
check passwd grep "^agent:" /etc/passwd
check nix-daemon-socket ls -A /nix/var/nix/daemon-socket
check daemon-pid ls /proc/$HIVE_TEST_DAEMON_PID/status
check own-pid ls /proc/$$/status
check pids sh -c 'ls /proc | grep -E "^[0-9]+$" | tr "\n" " "'
check kill-daemon kill -0 $HIVE_TEST_DAEMON_PID
exec "$1" "$2"
`;

interface Result {
  rc: number;
  out: string;
}

describe('red team: the manager\'s sandbox holds against the manager', () => {
  let root: string;
  let results: Map<string, Result>;
  let rt: ProcessRuntime;
  let port: number;

  beforeAll(async () => {
    const box = tempDir('hive-redteam-');
    root = path.join(box, 'root');
    const layout = stateLayout(root);
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, 'operator-token'), 'operator-secret-9d1e\n', { mode: 0o600 });
    mkdirSync(layout.agentState('coder'), { recursive: true });
    writeFileSync(path.join(layout.agentState('coder'), 'token'), 'coder-secret-44af\n', { mode: 0o600 });
    mkdirSync(layout.agentState('hm1nd'), { recursive: true });
    writeFileSync(path.join(layout.agentState('hm1nd'), 'own-token'), 'manager-own-token\n', { mode: 0o600 });
    mkdirSync(layout.metaDir, { recursive: true });
    writeFileSync(path.join(layout.metaDir, 'flake.nix'), '{ outputs = _: { }; }\n');
    for (const n of ['hm1nd', 'coder']) {
      await commitFiles(await initRepo(layout.applied(n)), { 'agent.nix': '{ ... }: { hive.model = "m"; }\n' }, 'deployed');
    }
    // A proposed repo as the daemon leaves it: host-root-owned, no identity of its own.
    const proposed = await initRepo(layout.proposed('coder'));
    await commitFiles(proposed, { 'agent.nix': '{ ... }: { }\n' }, 'seed');
    await execa('git', ['config', '--unset', 'user.name'], { cwd: proposed });
    await execa('git', ['config', '--unset', 'user.email'], { cwd: proposed });
    const script = path.join(box, 'attack.sh');
    writeFileSync(script, SCRIPT, { mode: 0o755 });

    rt = new ProcessRuntime({ stateRoot: root, sandbox: 'bwrap', harnessCommand: ['/usr/bin/sh', script, process.execPath, miniHarnessPath], readyTimeoutMs: 20_000 });
    port = await freePort();
    const manager = {
      name: 'hm1nd',
      port,
      isManager: true,
      env: { HIVE_TEST_ROOT: root, HIVE_TEST_DAEMON_PID: String(process.pid) },
      flakeRef: `${layout.metaDir}#hm1nd`,
      appliedDir: layout.applied('hm1nd'),
      stateDir: layout.agentState('hm1nd'),
    };
    await rt.create(manager);
    await rt.start(manager);
    const tsv = readFileSync(path.join(layout.agentState('hm1nd'), 'red-team.tsv'), 'utf8');
    results = new Map(
      tsv
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [name, rc, out] = l.split('\t');
          return [name!, { rc: Number(rc), out: out ?? '' }];
        }),
    );
  }, 60_000);

  afterAll(async () => {
    await rt?.shutdown();
  });

  const r = (name: string): Result => {
    const got = results.get(name);
    if (!got) throw new Error(`check ${name} did not run`);
    return got;
  };

  it('runs the agent as uid 1000 named agent, not root', () => {
    expect(r('uid')).toEqual({ rc: 0, out: String(AGENT_UID) });
    expect(r('user')).toEqual({ rc: 0, out: 'agent' });
    expect(r('passwd').out).toBe('agent:x:1000:1000:hyperhive agent:/state:/bin/sh');
  });

  it('gives the agent no capabilities and no way to gain them through setuid binaries', () => {
    expect(r('caps').out).toBe('CapPrm:\t0000000000000000 CapEff:\t0000000000000000 CapBnd:\t0000000000000000 CapAmb:\t0000000000000000'.replace(/\t/g, ' '));
    expect(r('nonewprivs').out).toMatch(/NoNewPrivs:\s+1/);
  });

  it('keeps /applied read-only under a remount, directly or from a nested user namespace, while /state takes writes', () => {
    expect(r('remount').rc).not.toBe(0);
    expect(r('remount').out).toMatch(/permission denied|must be superuser|not permitted/i);
    expect(r('userns-remount').rc).not.toBe(0);
    expect(existsSync(path.join(root, 'applied', 'pwned-by-userns'))).toBe(false);
    // positive control
    expect(r('write-state')).toEqual({ rc: 0, out: 'from-agent' });
  });

  it('refuses writes into /applied, /meta and the OS, while /agents takes the proposal', () => {
    // /hive-reload too: the runtime's settings drop, or an agent could reload its harness with settings no one approved.
    for (const name of ['write-applied', 'write-applied-new', 'write-meta', 'write-reload', 'write-usr']) {
      expect(r(name).rc, name).not.toBe(0);
      expect(r(name).out, name).toMatch(/Read-only file system/);
    }
    expect(readFileSync(path.join(root, 'applied', 'hm1nd', 'agent.nix'), 'utf8')).not.toContain('pwned');
    expect(existsSync(path.join(root, 'applied', 'pwned'))).toBe(false);
    expect(readFileSync(path.join(root, 'meta', 'flake.nix'), 'utf8')).not.toContain('pwned');
    expect(existsSync(path.join(root, 'runtime', 'reload', 'hm1nd', 'settings.json'))).toBe(false);
    // positive control
    expect(r('write-agents')).toEqual({ rc: 0, out: 'proposal' });
  });

  it('lets the agent commit in /agents/<n>/config as the non-root uid, but not in /applied', async () => {
    expect(r('git-applied').rc).not.toBe(0);
    expect(r('git-applied').out).not.toMatch(/dubious ownership/);
    // positive control: no "dubious ownership", an identity without configuring one
    expect(r('git-commit')).toEqual({ rc: 0, out: 'hm1nd@hyperhive.invalid' });
    const log = await execa('git', ['log', '-1', '--format=%s'], { cwd: path.join(root, 'agents', 'coder', 'config') });
    expect(log.stdout).toBe('agent commit');
  });

  it('shows neither the operator token, another agent\'s state nor the daemon\'s sandbox files, while its own state is there', () => {
    for (const name of ['operator-token', 'other-state', 'sandbox-files']) {
      expect(r(name).rc, name).not.toBe(0);
      expect(r(name).out, name).toMatch(/No such file or directory/);
    }
    // positive control
    expect(r('own-state')).toEqual({ rc: 0, out: 'manager-own-token' });
  });

  it('blanks host files only root could read (/etc/shadow, the nix-daemon socket), while /etc/passwd reads', () => {
    // /dev/null over it, on a nodev bind: unreadable or empty, never the hashes.
    expect(r('shadow').out).toMatch(/^$|Permission denied/);
    expect(r('shadow').out).not.toMatch(/root:/);
    // /nix/var is an empty read-only dir in the sandbox: no daemon socket, no temproots to race with.
    if (existsSync('/nix/var/nix/daemon-socket')) expect(r('nix-daemon-socket').out).toMatch(/^$|No such file or directory/);
    expect(r('passwd').rc).toBe(0);
  });

  it('hides the daemon\'s processes: its pid is neither visible nor signalable, while the agent sees its own', () => {
    expect(r('daemon-pid').rc).not.toBe(0);
    expect(r('kill-daemon').rc).not.toBe(0);
    const pids = r('pids').out.trim().split(' ').map(Number);
    expect(pids).not.toContain(process.pid);
    // Only the sandbox's own few (bwrap's init, the script, ls, grep), not the host's hundreds.
    expect(pids.length).toBeLessThan(8);
    // positive control
    expect(r('own-pid').rc).toBe(0);
  });

  it('leaves what the agent wrote in /state usable by the daemon', () => {
    const file = path.join(root, 'state', 'hm1nd', 'agent-file');
    expect(readFileSync(file, 'utf8')).toBe('from-agent\n');
    expect(statSync(file).uid).toBe(process.getuid!());
    writeFileSync(file, 'daemon rewrote it\n');
    unlinkSync(file);
    expect(existsSync(file)).toBe(false);
  });

  it('shares the host network, so the daemon reaches the harness on loopback', async () => {
    expect(await rt.status('hm1nd')).toBe('running');
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(await health.json()).toMatchObject({ ok: true, name: 'hm1nd' });
  });
});
