/** Errors shared by every package: extend HiveError with a stable code. */
export { HiveError, InvalidNameError, PathEscapeError, NixError, NixNotFoundError, firstErrorLine } from './errors.js';
/** Agent names and container names, validated once. */
export { validateAgentName, isValidAgentName, containerName, MAX_AGENT_NAME, AGENT_NAME_PATTERN } from './names.js';
/** The state root's layout and a guard that keeps paths inside it. */
export { insideRoot, stateLayout, type StateLayout } from './paths.js';
/** Every nix call goes through here: flakes enabled, local registry, exit code checked. */
export { runNix, flakeRegistryFile, NIX_FEATURES, type NixOptions } from './nix.js';
/** Loopback binds and the DNS-rebinding guard shared by the daemon and the harness. */
export { isLoopbackBind, hostAllowed } from './loopback.js';
/** One FIFO lock per key for async work in one process (an agent, the meta repo). */
export { KeyedMutex } from './mutex.js';
/** Where the installed Claude Code CLI's native binary is (harness and testkit alike). */
export { findClaudeBinary, claudePlatformPackage } from './claude-binary.js';
