import { HiveError, firstErrorLine } from '@hive/core';

export class NixParseError extends HiveError {
  readonly code = 'NIX_PARSE_FAILED';
  constructor(readonly file: string, readonly stderr: string, options?: { cause?: unknown }) {
    super(`${file} does not parse: ${firstErrorLine(stderr)}`, options);
  }
}
