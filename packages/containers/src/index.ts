/** The ContainerRuntime interface the daemon drives. */
export type { ContainerRuntime, RuntimeAgent, RuntimeKind, ContainerStatus, CrashInfo } from './runtime.js';
/** Agent and container names: validated once, in @hive/core. */
export { validateAgentName, containerName } from '@hive/core';
/** Errors: a failed build carries nix's stderr; tool failures, missing tools, unsafe flags, bad flake refs. */
export {
  BuildError,
  ContainerCommandError,
  ContainerToolNotFoundError,
  UnsafeNspawnFlagError,
  InvalidFlakeRefError,
} from './errors.js';
/** nspawn bind flags per agent and their host-side sources. */
export { nspawnBindFlags, ensureBindSources, type BindLayout } from './binds.js';
/** EXTRA_NSPAWN_FLAGS in a nixos-container conf: idempotent, atomic rewrite that keeps every other line. */
export { writeNspawnFlags, readNspawnFlags } from './nspawn-conf.js';
/** The nixos runtime: nixos-container create|update --flake, start/stop/destroy/list/status, journalctl logs, crash polling. */
export { NixosRuntime, type NixosRuntimeOptions } from './nixos-runtime.js';
/** The process runtime: each harness a supervised child, under bwrap with nspawn's bind layout when installed. */
export { ProcessRuntime, type ProcessRuntimeOptions } from './process/process-runtime.js';
/** The process runtime's build: parse every .nix, read agent.nix's `hive` settings (model, env, mcpServers). */
export { checkBuild, readHiveSettings, validateSettings, type HiveSettings } from './process/settings.js';
/** bwrap layout of the process runtime (same binds as nspawn) and its errors. */
export { agentMounts, bwrapArgs, type Mount, type SandboxMode } from './process/sandbox.js';
export { HarnessStartError, PortInUseError, BwrapNotFoundError } from './process/errors.js';
