import { existsSync } from 'node:fs';
import path from 'node:path';
import { findExecutable } from '@hive/containers';
import type { DaemonConfig } from './config.js';

/** What `hive up` checks before starting: one line each, saying what is missing and how to fix it. */
export interface Preflight {
  /** Nothing would work: hive up stops. */
  fatal: string[];
  /** Agents start, but something they need is absent. */
  warn: string[];
}

export function preflight(config: DaemonConfig, env: NodeJS.ProcessEnv = process.env): Preflight {
  const has = (bin: string) => findExecutable(bin, env.PATH ?? '') !== null;
  const fatal: string[] = [];
  const warn: string[] = [];
  if (config.runtime === 'process') {
    if (!has('nix') || !has('nix-instantiate'))
      fatal.push('nix is not installed: the meta flake cannot be locked nor configs built — apt-get install nix-bin (or run ./scripts/setup.sh)');
    if (config.sandbox !== 'none' && !has('bwrap')) {
      const fix = 'apt-get install bubblewrap (or pass --no-sandbox to run trusted agents unsandboxed)';
      (process.getuid?.() === 0 ? fatal : warn).push(`bubblewrap is not installed: agents would run without a sandbox — ${fix}`);
    }
  }
  const key = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'].some((k) => env[k]);
  const logins = existsSync(path.join(config.stateDir, 'state', config.managerName, '.claude', '.credentials.json'));
  if (!key && !logins)
    warn.push(
      `no ANTHROPIC_API_KEY and no claude login: agent turns will fail — export ANTHROPIC_API_KEY=… (or ANTHROPIC_BASE_URL + ANTHROPIC_AUTH_TOKEN for a gateway) before hive up, or run claude login with HOME=${path.join(config.stateDir, 'state', config.managerName)}`,
    );
  return { fatal, warn };
}
