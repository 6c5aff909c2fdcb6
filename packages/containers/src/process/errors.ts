import { HiveError } from '@hive/core';

/** The harness child exited or stayed silent before answering `/api/health`. */
export class HarnessStartError extends HiveError {
  readonly code = 'HARNESS_START_FAILED';
  constructor(
    readonly agent: string,
    reason: string,
    /** Last lines the child printed. */
    readonly tail: string,
  ) {
    super(`harness of ${agent} did not start: ${reason}${tail ? ` — last output: ${lastLine(tail)}` : ''}`);
  }
}

/** Something already listens on the agent's port, so a new harness could only fail to bind. */
export class PortInUseError extends HiveError {
  readonly code = 'PORT_IN_USE';
  constructor(
    readonly agent: string,
    readonly port: number,
  ) {
    super(`port ${port} for ${agent} is already in use — stop whatever listens there (a harness left by an earlier daemon?)`);
  }
}

/** `sandbox: 'bwrap'` was asked for but bubblewrap is not installed. */
export class BwrapNotFoundError extends HiveError {
  readonly code = 'BWRAP_NOT_FOUND';
  constructor() {
    super("sandbox 'bwrap' requested but bwrap is not installed: apt-get install bubblewrap, or use sandbox 'auto'");
  }
}

/** No bwrap and the daemon is root: a harness would run as root on the host. */
export class UnsandboxedRootError extends HiveError {
  readonly code = 'UNSANDBOXED_ROOT';
  constructor(readonly agent: string) {
    super('agents would run as root without a sandbox: install bubblewrap (apt-get install bubblewrap) or pass --no-sandbox');
  }
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.findLast((l) => /error/i.test(l)) ?? lines.at(-1) ?? '';
}
