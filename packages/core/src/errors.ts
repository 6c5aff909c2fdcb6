/** Base of every error hyperhive throws on purpose: a stable `code` and a one-line message that names the fix. */
export abstract class HiveError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidNameError extends HiveError {
  readonly code = 'INVALID_NAME';
  constructor(readonly value: string, reason: string) {
    super(`invalid agent name ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}: ${reason}`);
  }
}

export class PathEscapeError extends HiveError {
  readonly code = 'PATH_ESCAPE';
  constructor(readonly path: string, readonly root: string) {
    super(`refusing to touch ${path}: it is outside the state root ${root}`);
  }
}

export class NixError extends HiveError {
  readonly code = 'NIX_FAILED';
  constructor(readonly args: readonly string[], readonly stderr: string, options?: { cause?: unknown }) {
    super(`nix ${args.slice(0, 3).join(' ')} failed: ${firstErrorLine(stderr)}`, options);
  }
}

export class NixNotFoundError extends HiveError {
  readonly code = 'NIX_NOT_FOUND';
  constructor(options?: { cause?: unknown }) {
    super('nix is not installed: run ./scripts/setup.sh (Debian: apt-get install nix-bin)', options);
  }
}

/** The most telling line of a tool's stderr, for one-line messages (the full text stays on the error). */
export function firstErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^error:/.test(l)) ?? lines.find((l) => /error/i.test(l)) ?? lines[0] ?? 'no output';
}
