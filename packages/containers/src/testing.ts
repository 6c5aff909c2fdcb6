/**
 * Recording fakes for machines without NixOS (`@hive/containers/testing`): point
 * NixosRuntime's binary options at them and their env vars at a temp dir.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = (name: string) => fileURLToPath(new URL(`../test-bin/${name}`, import.meta.url));

/** Fake `nixos-container`: FAKE_NIXOS_CONTAINER_LOG / _STATE / _CONF_DIR / _FAIL / _STDERR (see the script's header). */
export const fakeNixosContainerPath = bin('fake-nixos-container');
/** Fake `journalctl -M <machine> -n <lines>`: the journal the fake nixos-container keeps; logs to FAKE_JOURNALCTL_LOG. */
export const fakeJournalctlPath = bin('fake-journalctl');
/** Fake `systemctl show container@<c> --property=ExecMainStatus --value`; logs to FAKE_SYSTEMCTL_LOG. */
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

/** Env for the fakes, all rooted in one dir: state, conf dir and the three call logs. */
export function fakeNixosEnv(dir: string) {
  const env = {
    FAKE_NIXOS_CONTAINER_STATE: path.join(dir, 'fake-state'),
    FAKE_NIXOS_CONTAINER_LOG: path.join(dir, 'nixos-container.log'),
    FAKE_NIXOS_CONTAINER_CONF_DIR: path.join(dir, 'nixos-containers'),
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
