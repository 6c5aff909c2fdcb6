/** Errors the test helpers throw on purpose, each with a stable code and a message that names the fix. */
import { HiveError } from '@hive/core';

export class ScriptedApiTimeoutError extends HiveError {
  readonly code = 'SCRIPTED_API_TIMEOUT';
  constructor(readonly wanted: number, readonly got: number, readonly timeoutMs: number) {
    super(`scripted API saw ${got} of ${wanted} Messages requests in ${timeoutMs} ms — check that claude's ANTHROPIC_BASE_URL points at it`);
  }
}

export class ClaudeNotInstalledError extends HiveError {
  readonly code = 'CLAUDE_NOT_INSTALLED';
  constructor(options?: { cause?: unknown }) {
    super('the claude CLI is not installed: run pnpm install (its postinstall must be allowed in pnpm-workspace.yaml onlyBuiltDependencies)', options);
  }
}
