import { HiveError } from '@hive/core';

export class PortTakenError extends HiveError {
  readonly code = 'PORT_TAKEN';
  override readonly status = 409;
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
