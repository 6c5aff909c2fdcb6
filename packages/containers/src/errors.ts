import { HiveError, firstErrorLine } from '@hive/core';

/** A config that does not build: `.message` is nix's first error line, `.stderr` the full text for `failed/<id>`. */
export class BuildError extends HiveError {
  readonly code = 'BUILD_FAILED';
  /** The agent whose build failed, when known. */
  readonly agent: string | undefined;
  constructor(
    readonly stderr: string,
    options?: { agent?: string; cause?: unknown },
  ) {
    super(firstErrorLine(stderr), options);
    this.agent = options?.agent;
  }
}

/** A container tool (nixos-container, journalctl, systemctl) exited non-zero outside a build. */
export class ContainerCommandError extends HiveError {
  readonly code = 'CONTAINER_FAILED';
  constructor(
    readonly command: readonly string[],
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`${command.slice(0, 3).join(' ')} failed: ${firstErrorLine(stderr)}`, options);
  }
}

/** The configured container tool is not installed where we were told to look. */
export class ContainerToolNotFoundError extends HiveError {
  readonly code = 'CONTAINER_TOOL_NOT_FOUND';
  constructor(
    readonly bin: string,
    options?: { cause?: unknown },
  ) {
    super(`${bin} not found: run on a NixOS host, set its path in the runtime options, or use --runtime process`, options);
  }
}

/** A bind flag that EXTRA_NSPAWN_FLAGS cannot carry (the container's start script word-splits it; ':' separates bind paths). */
export class UnsafeNspawnFlagError extends HiveError {
  readonly code = 'UNSAFE_NSPAWN_FLAG';
  constructor(readonly flag: string) {
    super(
      `cannot pass ${JSON.stringify(flag)} in EXTRA_NSPAWN_FLAGS: whitespace, quotes, '$', '\\', '\`' and extra ':' are not allowed — move the state root to a plain path`,
    );
  }
}

/** A flake reference nixos-container would misread (empty, an option, or without `#<attr>`). */
export class InvalidFlakeRefError extends HiveError {
  readonly code = 'INVALID_FLAKE_REF';
  constructor(readonly flakeRef: string) {
    super(`invalid flake reference ${JSON.stringify(flakeRef)}: expected <meta flake>#<agent name>`);
  }
}

/** A network mode the nixos runtime does not know. */
export class InvalidNetworkModeError extends HiveError {
  readonly code = 'INVALID_NETWORK_MODE';
  constructor(readonly mode: string) {
    super(`unknown nixos network mode ${JSON.stringify(mode)}: use host or private`);
  }
}

/** A container limit systemd would misread (or a key hyperhive does not set). */
export class InvalidLimitError extends HiveError {
  readonly code = 'INVALID_LIMIT';
  constructor(
    readonly key: string,
    readonly value: string,
  ) {
    super(`invalid container limit ${key}=${JSON.stringify(value)}: use MemoryMax like 2G, CPUQuota like 50%, TasksMax like 512`);
  }
}
