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
  override readonly status = 500;
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
  constructor(readonly path: string, override readonly status: number, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options);
  }
}

/** A request body or form field failed validation. */
export class BadRequestError extends HiveError {
  readonly code = 'BAD_REQUEST';
  constructor(message: string) {
    super(message);
  }
}
