import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PIPELINE_STEPS } from './core/pipeline-steps.js';

const port = z.coerce.number().int().min(0).max(65535);

/** Where state lives when nothing says otherwise: `$XDG_STATE_HOME/hyperhive` or `~/.local/state/hyperhive`. */
export function defaultStateDir(): string {
  const xdg = process.env.XDG_STATE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.local', 'state'), 'hyperhive');
}

export const DaemonConfig = z
  .object({
    stateDir: z.string().min(1).transform((p) => path.resolve(p)),
    dashboardPort: port.default(7777),
    bind: z.string().min(1).default('127.0.0.1'),
    runtime: z.enum(['process', 'nixos']).default('process'),
    managerName: z.string().regex(/^[a-z][a-z0-9-]{0,8}$/, 'a valid agent name (1–9 chars, ^[a-z][a-z0-9-]*$)').default('hm1nd'),
    managerPort: port.default(8000),
    agentPortBase: port.default(8100),
    agentPortRange: z.coerce.number().int().min(1).max(10000).default(900),
    /** Flake URL of the meta flake's `hyperhive` input; the process runtime seeds an offline stand-in when unset. */
    hyperhiveUrl: z.string().min(1).optional(),
    /** Overrides `<state>/operator-token` (generated at first start). */
    operatorToken: z.string().min(16, 'at least 16 characters').optional(),
    claudeCommand: z.string().min(1).optional(),
    /** JSON argv of the harness to run per agent (process runtime); default: this repo's agent-harness. */
    harnessCommand: z.string().optional(),
    sandbox: z.enum(['auto', 'bwrap', 'none']).default('auto'),
    nixosContainerBin: z.string().default('nixos-container'),
    nixosConfDir: z.string().default('/etc/nixos-containers'),
    /** NixOS containers on the host's network (the seed's port scheme) or each on a private veth pair (docs/nixos.md). */
    nixosNetwork: z.enum(['host', 'private']).default('host'),
    /** The containers' Nix system, e.g. aarch64-linux; default: this host's. */
    system: z.string().regex(/^[a-z0-9_]+-[a-z0-9_]+$/, 'a Nix system such as x86_64-linux').optional(),
    journalctlBin: z.string().default('journalctl'),
    systemctlBin: z.string().default('systemctl'),
    /** Spawn the manager on start when the state dir has no agents. */
    spawnManager: z.boolean().default(true),
    /** Crash tests: SIGKILL right after this pipeline step (HIVE_FAULT_AT); an unknown name is a config error, not a silent no-op. */
    /** Claude turns at once across the hive (HIVE_MAX_TURNS); default total memory / 400 MB, at least 1. */
    maxTurns: z.coerce.number().int().min(1, 'a whole number ≥ 1 (claude turns at once)').max(100_000).optional(),
    /** Seconds an agent has, after a deploy or rollback, to pass its health check (agent.nix's hive.healthTimeout wins). */
    healthTimeout: z.coerce.number().min(0.1).max(3600).default(30),
    faultAt: z.enum(PIPELINE_STEPS, { error: `a pipeline step: ${PIPELINE_STEPS.join(', ')}` }).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.runtime === 'nixos' && !c.hyperhiveUrl)
      ctx.addIssue({ code: 'custom', path: ['hyperhiveUrl'], message: 'the nixos runtime needs HIVE_HYPERHIVE_URL (the flake URL the meta flake uses for hyperhive)' });
    // Private containers reach the daemon at their host address, which a loopback bind does not answer.
    if (c.runtime === 'nixos' && c.nixosNetwork === 'private' && /^(127\.|localhost$|::1$)/.test(c.bind))
      ctx.addIssue({ code: 'custom', path: ['bind'], message: 'a private container network needs the daemon reachable from the containers: HIVE_BIND=0.0.0.0 (host.nix opens the port to ve-+ only)' });
  });
export type DaemonConfig = z.infer<typeof DaemonConfig>;

export class ConfigError extends Error {}

/** Env names → config keys; flags win over env. */
const ENV: Record<string, keyof z.input<typeof DaemonConfig>> = {
  HIVE_STATE_DIR: 'stateDir',
  HIVE_DASHBOARD_PORT: 'dashboardPort',
  HIVE_BIND: 'bind',
  HIVE_RUNTIME: 'runtime',
  HIVE_MANAGER_NAME: 'managerName',
  HIVE_MANAGER_PORT: 'managerPort',
  HIVE_AGENT_PORT_BASE: 'agentPortBase',
  HIVE_AGENT_PORT_RANGE: 'agentPortRange',
  HIVE_HYPERHIVE_URL: 'hyperhiveUrl',
  HIVE_OPERATOR_TOKEN: 'operatorToken',
  HIVE_CLAUDE_CMD: 'claudeCommand',
  HIVE_HARNESS_CMD: 'harnessCommand',
  HIVE_SANDBOX: 'sandbox',
  HIVE_NIXOS_CONTAINER_BIN: 'nixosContainerBin',
  HIVE_NIXOS_CONF_DIR: 'nixosConfDir',
  HIVE_JOURNALCTL_BIN: 'journalctlBin',
  HIVE_SYSTEMCTL_BIN: 'systemctlBin',
  HIVE_FAULT_AT: 'faultAt',
  HIVE_HEALTH_TIMEOUT: 'healthTimeout',
  HIVE_MAX_TURNS: 'maxTurns',
  HIVE_NIXOS_NETWORK: 'nixosNetwork',
  HIVE_SYSTEM: 'system',
  HIVE_LOG_LEVEL: 'logLevel',
};

/** Parses env + flags once; throws ConfigError with one line naming the bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv, flags: Record<string, unknown> = {}): DaemonConfig {
  const raw: Record<string, unknown> = {};
  for (const [k, key] of Object.entries(ENV)) if (env[k] !== undefined && env[k] !== '') raw[key] = env[k];
  if (env.HIVE_OPERATOR_TOKEN_FILE && !raw.operatorToken) {
    try {
      raw.operatorToken = readFileSync(env.HIVE_OPERATOR_TOKEN_FILE, 'utf8').trim();
    } catch (e) {
      throw new ConfigError(`HIVE_OPERATOR_TOKEN_FILE: cannot read ${env.HIVE_OPERATOR_TOKEN_FILE} (${(e as Error).message})`);
    }
  }
  if (env.HIVE_SPAWN_MANAGER === '0') raw.spawnManager = false;
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) raw[k] = v;
  raw.stateDir ??= defaultStateDir();
  const r = DaemonConfig.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const key = issue.path.join('.');
    const envName = Object.entries(ENV).find(([, v]) => v === key)?.[0];
    throw new ConfigError(`bad config ${envName ?? key}${raw[key] !== undefined ? `=${JSON.stringify(raw[key])}` : ''}: ${issue.message}`);
  }
  return r.data;
}
