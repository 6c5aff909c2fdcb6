import { HiveError } from '@hive/core';

/** The harness's environment is missing a variable or holds a bad value. */
export class HarnessConfigError extends HiveError {
  readonly code = 'HARNESS_CONFIG';
  constructor(detail: string) {
    super(`bad harness config: ${detail}`);
  }
}

/** Every bind attempt found the port taken. */
export class BindFailedError extends HiveError {
  readonly code = 'BIND_FAILED';
  constructor(readonly host: string, readonly port: number, readonly tries: number, options?: { cause?: unknown }) {
    super(
      `cannot bind ${host}:${port}: address still in use after ${tries} tries — another process holds the port (stop it, or give this agent another port)`,
      options,
    );
  }
}

/** The daemon's agent API refused or failed a tool call. */
export class AgentApiError extends HiveError {
  readonly code = 'AGENT_API';
  /** `httpStatus` is what the daemon answered (502 when it did not), kept for logs. */
  constructor(readonly path: string, readonly httpStatus: number, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options);
  }
}
