/** Where the installed claude CLI is: the native binary of this package's `@anthropic-ai/claude-code` dependency. */
import { findClaudeBinary } from '@hive/core';

/** The absolute, realpath'd argv that runs the installed claude CLI (resolved from `from`), or null when it is not installed. */
export function resolveClaudeCommand(from: string = import.meta.url): string[] | null {
  const bin = findClaudeBinary(from);
  return bin ? [bin] : null;
}
