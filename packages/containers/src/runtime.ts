/**
 * The container side seen by the daemon: one interface, two implementations
 * (`nixos` drives nixos-container; `process` runs each harness as a supervised
 * child, under bwrap when installed).
 */

import type { HiveSettings } from './process/hive-settings.js';

export type RuntimeKind = 'process' | 'nixos';

export type ContainerStatus = 'running' | 'stopped' | 'crashed' | 'starting' | 'absent';

/** Everything a runtime needs to create, build or start one agent. */
export interface RuntimeAgent {
  name: string;
  port: number;
  isManager: boolean;
  /** Environment for the harness: HIVE_NAME, HIVE_PORT, HIVE_LABEL, HIVE_DASHBOARD_PORT, HIVE_TOKEN, ... */
  env: Record<string, string>;
  /** `<metaDir>#<name>`: what nixos-container builds. */
  flakeRef: string;
  /** The applied repo's working tree: what the process runtime checks and reads settings from. */
  appliedDir: string;
  /** The agent's persistent home (`state/<n>`). */
  stateDir: string;
}

export interface CrashInfo {
  code: number | null;
  signal: string | null;
  /** Last lines of the agent's output, for the crash event. */
  tail: string;
  /** Why, when the runtime knows (e.g. killed for memory at its hive.limits.memoryMax). */
  reason?: string;
}

export interface ContainerRuntime {
  readonly kind: RuntimeKind;
  /** Create the container (nixos: `nixos-container create --flake`); does not start it. */
  create(agent: RuntimeAgent): Promise<void>;
  /**
   * Build and switch to the agent's current config (nixos: `nixos-container update --flake`).
   * Throws BuildError carrying the build's stderr when the config does not build.
   */
  update(agent: RuntimeAgent, o?: { checked?: HiveSettings }): Promise<void>;
  /**
   * Optional, for a runtime whose build reads only the applied tree, not the meta flake (process):
   * that check alone, nothing started or stopped, so the pipeline runs it beside nix's lock of the
   * meta flake; `update(agent, { checked })` then switches to its result without building again.
   * Throws what update's build throws.
   */
  checkTree?(agent: RuntimeAgent): Promise<HiveSettings>;
  start(agent: RuntimeAgent): Promise<void>;
  stop(name: string): Promise<void>;
  /** Stop and remove the container; never touches the agent's repos or state dir. */
  destroy(name: string): Promise<void>;
  /** Names of agents that have a container (running or not). */
  list(): Promise<string[]>;
  status(name: string): Promise<ContainerStatus>;
  logs(name: string, options?: { lines?: number }): Promise<string>;
  /** Called when an agent exits without being asked to: the daemon turns it into a container_crash event. */
  onCrash(listener: (name: string, info: CrashInfo) => void): void;
  /** The IPv4 address the daemon reaches an agent's harness at (its port on it); absent: 127.0.0.1. */
  harnessAddress?(name: string): Promise<string>;
  /** Stop everything this runtime started (process runtime); a no-op for nixos. */
  shutdown(): Promise<void>;
}
