import { HiveError } from '@hive/core';

export class PortTakenError extends HiveError {
  readonly code = 'PORT_TAKEN';
  constructor(
    readonly port: number,
    readonly other: string,
    readonly suggestion?: string,
  ) {
    super(
      `port ${port} already taken by ${other} — rename one of them` +
        (suggestion ? ` (e.g. ${suggestion} is free)` : ''),
    );
  }
}

/** Something that is not one of this agent's harnesses keeps the agent's port past the harness's bind retries. */
export class PortHeldError extends HiveError {
  readonly code = 'PORT_HELD';
  constructor(
    readonly port: number,
    readonly agent: string,
    /** `pid N (command)` or `another process`. */
    readonly holder: string,
    options?: { cause?: unknown },
  ) {
    super(`port ${port} for ${agent} is held by ${holder} — stop it, or rename ${agent}`, options);
  }
}
