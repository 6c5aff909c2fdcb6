import path from 'node:path';
import type { RuntimeAgent } from '../runtime.js';
import type { HiveSettings } from './hive-settings.js';
import { mountEnv, type Mount } from './sandbox.js';

/** Names passed from the daemon's env to every harness: PATH, locale, nix/TLS settings and the agent engine's credentials. */
export const INHERITED_ENV = [
  'PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TERM',
  'NIX_PATH', 'NIX_REMOTE', 'NIX_SSL_CERT_FILE', 'SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS',
  // Claude Code: a real key, a gateway's token and URL, its request timeout.
  'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'API_TIMEOUT_MS',
];
/** Prefixes passed through too: Claude Code's own switches (CLAUDE_CODE_USE_BEDROCK, DISABLE_TELEMETRY, DISABLE_AUTOUPDATER, …). */
export const INHERITED_ENV_PREFIXES = ['CLAUDE_CODE_', 'DISABLE_'];

/** The daemon's variables a harness gets: the fixed names, every prefixed one, and `extra`. */
export function inheritedEnv(from: NodeJS.ProcessEnv, extra: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(from)) {
    if (v === undefined) continue;
    if (INHERITED_ENV.includes(k) || extra.includes(k) || INHERITED_ENV_PREFIXES.some((p) => k.startsWith(p))) out[k] = v;
  }
  return out;
}

/** The `HIVE_*` variables that carry an agent's `hive` settings to its harness; absent settings stay unset. */
export function settingsEnv(s: HiveSettings): Record<string, string> {
  const env: Record<string, string> = { HIVE_MCP_SERVERS: JSON.stringify(s.mcpServers ?? {}) };
  // `!= null`: a record written before a field existed has it undefined.
  if (s.model) env.HIVE_MODEL = s.model;
  if (s.permissionMode != null) env.HIVE_PERMISSION_MODE = s.permissionMode;
  if (s.allowedTools != null) env.HIVE_ALLOWED_TOOLS = JSON.stringify(s.allowedTools);
  if (s.disallowedTools != null) env.HIVE_DISALLOWED_TOOLS = JSON.stringify(s.disallowedTools);
  if (s.maxTurns != null) env.HIVE_MAX_TURNS = String(s.maxTurns);
  if (s.appendSystemPrompt != null) env.HIVE_APPEND_SYSTEM_PROMPT = s.appendSystemPrompt;
  if (s.budgetUsd != null) env.HIVE_BUDGET_USD = String(s.budgetUsd);
  return env;
}

/** The whole env of one harness: inherited, then HOME and git's fallback email, the agent's, its settings', and the runtime's HIVE_* last. */
export function harnessEnv(o: {
  agent: RuntimeAgent;
  settings: HiveSettings;
  mounts: Mount[];
  sandboxed: boolean;
  inherit?: readonly string[];
  from?: NodeJS.ProcessEnv;
}): Record<string, string> {
  const { agent, settings } = o;
  // Settings come after the daemon's env but cannot name HIVE_* (checked at build), so identity always wins.
  return {
    ...inheritedEnv(o.from ?? process.env, o.inherit),
    HOME: o.sandboxed ? '/state' : path.resolve(agent.stateDir),
    // git's last resort for an author email: commits work before the agent configures one, and say who made them.
    EMAIL: `${agent.name}@hyperhive.invalid`,
    ...agent.env,
    ...settings.env,
    HIVE_NAME: agent.env.HIVE_NAME ?? agent.name,
    HIVE_PORT: String(agent.port),
    ...mountEnv(o.mounts, o.sandboxed),
    ...settingsEnv(settings),
  };
}
