/**
 * Recording fakes for machines without NixOS (`@hive/containers/testing`): point
 * NixosRuntime's binary options at them and their env vars at a temp dir.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = (name: string) => fileURLToPath(new URL(`../test-bin/${name}`, import.meta.url));

/**
 * Fake `nixos-container`, rebuilt from nixpkgs' nixos-container.pl: the conf `create` writes (PRIVATE_NETWORK=1,
 * 10.233.N.1/.2), the name rules, the `nix build` it runs (logged), reload on `update`, nspawn flags fixed at start.
 * Env: FAKE_NIXOS_CONTAINER_LOG / _STATE / _CONF_DIR / _BUILD_LOG / _BUILD_SECONDS / _FAIL / _FAIL_TIMES / _STDERR, FAKE_NIX_CONF.
 */
export const fakeNixosContainerPath = bin('fake-nixos-container');
/** Fake `journalctl -M <machine> -n <lines>`: the journal the fake nixos-container keeps; logs to FAKE_JOURNALCTL_LOG. */
export const fakeJournalctlPath = bin('fake-journalctl');
/** Fake `systemctl show container@<c> --property=ExecMainStatus --value` and `set-property container@<c> K=V…`; logs to FAKE_SYSTEMCTL_LOG. */
export const fakeSystemctlPath = bin('fake-systemctl');

/** Every recorded call of a fake, oldest first, as argv arrays (an absent log is no calls). */
export function readFakeLog(logFile: string, o: { ignore?: readonly string[] } = {}): string[][] {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return [];
  }
  const calls = text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as string[]);
  return o.ignore ? calls.filter((argv) => !o.ignore!.includes(argv[0] ?? '')) : calls;
}

/**
 * Flips a fake container's state behind the runtime's back (e.g. `stopped` with an exit
 * code to simulate a crash). `container` is the container name, `h-<agent>`.
 */
export function setFakeContainerStatus(o: { stateDir: string; container: string; status: 'up' | 'down'; exitCode?: number }): void {
  const file = path.join(o.stateDir, `${o.container}.json`);
  const s = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...s, status: o.status, exitCode: o.exitCode ?? null }) + '\n');
}

/** One `nix build` the fake nixos-container ran: its cwd (the out-link is `<cwd>/.tmp`), NIX_CONFIG and argv. */
export interface FakeBuild {
  cwd: string;
  nixConfig: string;
  argv: string[];
}

/** Every build the fake ran, oldest first. */
export function readFakeBuilds(logFile: string): FakeBuild[] {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FakeBuild);
}

/** What the fake knows of one container: null when it has none. */
export interface FakeContainer {
  status: 'up' | 'down';
  /** The system profile it runs (the build's out-link target). */
  system: string | null;
  /** The nspawn flags its running unit got at its last start (network flags + EXTRA_NSPAWN_FLAGS), or null. */
  nspawn: string[] | null;
  /** How often `update` reloaded it while running. */
  reloads: number;
  /** Unit settings `systemctl set-property container@<c>` gave it (MemoryMax, CPUQuota, TasksMax). */
  properties: Record<string, string>;
}

export function readFakeContainer(stateDir: string, container: string): FakeContainer | null {
  const read = (ext: string) => {
    try {
      return readFileSync(path.join(stateDir, `${container}.${ext}`), 'utf8');
    } catch {
      return null;
    }
  };
  const json = read('json');
  if (json === null) return null;
  const nspawn = read('nspawn');
  return {
    status: (JSON.parse(json) as { status: 'up' | 'down' }).status,
    system: read('system')?.trim() || null,
    nspawn: nspawn === null ? null : nspawn.trim().split(/\s+/).filter(Boolean),
    reloads: (read('reloads') ?? '').split('\n').filter(Boolean).length,
    properties: Object.fromEntries(
      (read('properties') ?? '')
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    ),
  };
}

/** Env for the fakes, all rooted in one dir: state, conf dir and the call and build logs. */
export function fakeNixosEnv(dir: string) {
  const env = {
    FAKE_NIXOS_CONTAINER_STATE: path.join(dir, 'fake-state'),
    FAKE_NIXOS_CONTAINER_LOG: path.join(dir, 'nixos-container.log'),
    FAKE_NIXOS_CONTAINER_CONF_DIR: path.join(dir, 'nixos-containers'),
    FAKE_NIXOS_CONTAINER_BUILD_LOG: path.join(dir, 'nix-build.log'),
    FAKE_JOURNALCTL_LOG: path.join(dir, 'journalctl.log'),
    FAKE_SYSTEMCTL_LOG: path.join(dir, 'systemctl.log'),
  };
  return env;
}

/** NixosRuntime options wired to the fakes (add `stateRoot`); crash polling is left to the caller's `pollIntervalMs`. */
export function fakeNixosRuntimeOptions(dir: string) {
  const env = fakeNixosEnv(dir);
  return {
    nixosContainerBin: fakeNixosContainerPath,
    journalctlBin: fakeJournalctlPath,
    systemctlBin: fakeSystemctlPath,
    confDir: env.FAKE_NIXOS_CONTAINER_CONF_DIR,
    env,
  };
}

/** A dependency-free harness for ProcessRuntime: /api/health, /api/state, /env, POST /try-write?path=, POST /crash (exit 3). */
export const miniHarnessPath = fileURLToPath(new URL('../test-fixtures/mini-harness.mjs', import.meta.url));
/** A port that was free a moment ago on 127.0.0.1. */
export { freePort } from './process/free-port.js';
