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
  InvalidNetworkModeError,
  InvalidLimitError,
} from './errors.js';
/** nspawn bind flags per agent and their host-side sources. */
export { nspawnBindFlags, ensureBindSources, type BindLayout } from './binds.js';
/** EXTRA_NSPAWN_FLAGS in a nixos-container conf: idempotent, atomic rewrite that keeps every other line. */
export { writeNspawnFlags, readNspawnFlags, writeConfVars, readConfVar } from './nspawn-conf.js';
/** The nixos runtime: nixos-container create|update --flake, start/stop/destroy/list/status, journalctl logs, crash polling. */
export { NixosRuntime, type NixosRuntimeOptions } from './nixos-runtime.js';
/** How nixos containers are networked (host by default, or a private veth pair each) and where one is reachable. */
export { NETWORK_MODES, type NetworkMode, type ContainerNetwork } from './nixos/network.js';
export { nixConfigWithFlakes } from './nixos/tool.js';
/** hive.limits as container@h-<n> settings (systemctl set-property after each build). */
export { limitAssignments, settingsLimits, unitLimits, type ContainerLimits } from './nixos/limits.js';
/** The process runtime: each harness a supervised child, under bwrap with nspawn's bind layout when installed. */
export { ProcessRuntime, type ProcessRuntimeOptions } from './process/process-runtime.js';
/** The process runtime's build, in a sandbox that sees only the tree: parse every .nix, read and check agent.nix's `hive` settings. */
export {
  checkBuild,
  readHiveSettings,
  validateSettings,
  EMPTY_SETTINGS,
  PERMISSION_MODES,
  type BuildOptions,
  type HiveSettings,
  type HiveLimits,
  type PermissionMode,
} from './process/settings.js';
export { buildSandbox, buildBwrapArgs, PROPOSAL_DIR, type BuildSandbox } from './process/build-sandbox.js';
/** bwrap layout of the process runtime (same binds as nspawn): the agent's fixed non-root uid, no capabilities. */
export { agentMounts, bwrapArgs, isolationArgs, findExecutable, type Mount, type SandboxMode } from './process/sandbox.js';
export { AGENT_UID, AGENT_GID, AGENT_USER, writeSandboxIdentity, type SandboxIdentity } from './process/identity.js';
/** What a harness gets from the daemon's env, and the HIVE_* variables carrying its settings. */
export { INHERITED_ENV, INHERITED_ENV_PREFIXES, settingsEnv } from './process/agent-env.js';
export { HarnessStartError, PortInUseError, BwrapNotFoundError, UnsandboxedRootError } from './process/errors.js';
