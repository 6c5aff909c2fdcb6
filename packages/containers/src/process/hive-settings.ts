import { BuildError } from '../errors.js';

/** Claude Code's `--permission-mode` choices (2.1.x `--help`, plus `default`, which it still accepts). */
export const PERMISSION_MODES = ['default', 'manual', 'acceptEdits', 'auto', 'plan', 'dontAsk', 'bypassPermissions'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

/** What an agent's `agent.nix` says about its harness under `hive = { ... }`; null means "not set". */
export interface HiveSettings {
  model: string | null;
  env: Record<string, string>;
  mcpServers: Record<string, unknown>;
  permissionMode: PermissionMode | null;
  /** Tool patterns granted without a prompt, e.g. `Bash(git:*)`. */
  allowedTools: string[] | null;
  disallowedTools: string[] | null;
  maxTurns: number | null;
  appendSystemPrompt: string | null;
  /** Spending limit per day, in US dollars. */
  budgetUsd: number | null;
  /** Resource caps for the agent's service; absent ones are not capped. */
  limits: HiveLimits;
  /** Seconds the agent has to pass its health check after a deploy (0: no gate); null: the daemon's default. */
  healthTimeout: number | null;
}

/** systemd resource caps: `MemoryMax=`, `CPUQuota=`, `TasksMax=`. */
export interface HiveLimits {
  /** A systemd size: bytes with an optional K, M, G or T suffix (`"512M"`, `"2G"`), or `"infinity"`. */
  memoryMax?: string;
  /** Percent of one CPU, more than 100% for several (`"50%"`, `"200%"`). */
  cpuQuota?: string;
  tasksMax?: number;
}

/** Settings of a config that says nothing under `hive`. */
export const EMPTY_SETTINGS: HiveSettings = Object.freeze({
  model: null,
  env: {},
  mcpServers: {},
  permissionMode: null,
  allowedTools: null,
  disallowedTools: null,
  maxTurns: null,
  appendSystemPrompt: null,
  budgetUsd: null,
  limits: Object.freeze({}),
  healthTimeout: null,
}) as HiveSettings;

/** Names a config may set in the harness env; `HIVE_*` stays the runtime's. */
export const SETTINGS_ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const MCP_SERVER_NAME = /^[A-Za-z0-9_-]+$/;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/[\]-]*$/;
const MAX_TOOLS = 100;
const MAX_TOOL_CHARS = 200;
const MAX_PROMPT_BYTES = 16 * 1024;
// C0 controls (newline included) and DEL: a pattern is one line of the CLI's argv.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** What hive.limits.memoryMax and cpuQuota accept (the NixOS unit's checks use the same). */
export const MEMORY_SIZE = /^(?:[1-9][0-9]{0,15}[KMGT]?|infinity)$/;
export const CPU_PERCENT = /^[1-9][0-9]{0,5}%$/;
// The kernel's own ceiling on pid_max.
const MAX_TASKS = 4194304;

function fail(message: string): never {
  throw new BuildError(`error: agent.nix: ${message}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const shown = (v: unknown) => String(JSON.stringify(v)).slice(0, 60);

function toolList(raw: Record<string, unknown>, key: 'allowedTools' | 'disallowedTools'): string[] | null {
  const v = raw[key];
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) fail(`hive.${key} must be a list of tool patterns (e.g. [ "Bash(git:*)" "Edit" ]), got ${shown(v)}`);
  if (v.length > MAX_TOOLS) fail(`hive.${key} has ${v.length} entries, at most ${MAX_TOOLS} are allowed`);
  return v.map((t, i) => {
    if (typeof t !== 'string' || t.length === 0 || t.length > MAX_TOOL_CHARS || CONTROL.test(t))
      fail(`hive.${key}[${i}] must be a tool pattern of 1–${MAX_TOOL_CHARS} characters on one line, got ${shown(t)}`);
    return t;
  });
}

function optionalString(raw: Record<string, unknown>, key: string): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(`hive.${key} must be a string, got ${shown(v)}`);
  return v;
}

function limitsOf(raw: Record<string, unknown>): HiveLimits {
  const v = raw.limits;
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v)) fail(`hive.limits must be an attribute set (memoryMax, cpuQuota, tasksMax), got ${shown(v)}`);
  const limits: HiveLimits = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue;
    if (k === 'memoryMax') {
      if (typeof x !== 'string' || !MEMORY_SIZE.test(x))
        fail(`hive.limits.memoryMax must be a systemd size such as "512M" or "2G" (K, M, G, T or none) or "infinity", got ${shown(x)}`);
      limits.memoryMax = x;
    } else if (k === 'cpuQuota') {
      if (typeof x !== 'string' || !CPU_PERCENT.test(x)) fail(`hive.limits.cpuQuota must be a percentage such as "50%" or "200%", got ${shown(x)}`);
      limits.cpuQuota = x;
    } else if (k === 'tasksMax') {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > MAX_TASKS)
        fail(`hive.limits.tasksMax must be a whole number from 1 to ${MAX_TASKS}, got ${shown(x)}`);
      limits.tasksMax = x;
    } else {
      // A typo here would silently leave the agent uncapped.
      fail(`hive.limits.${k} is not a limit hyperhive knows: use memoryMax, cpuQuota or tasksMax`);
    }
  }
  return limits;
}

/** Shape-checks the evaluated `hive` attrset; a bad value is a failed build naming the attribute. */
export function validateSettings(raw: unknown): HiveSettings {
  if (!isPlainObject(raw)) fail(`hive must be an attribute set, got ${JSON.stringify(raw)}`);
  // Other keys (claudePackage, …) belong to the NixOS side and are not ours to judge.

  const model = optionalString(raw, 'model') ?? null;
  if (model !== null && (model.length > 100 || !MODEL_NAME.test(model)))
    fail(`hive.model must be a model name (letters, digits and . _ - : / [ ], at most 100), got ${shown(model)}`);

  const env: Record<string, string> = {};
  if (raw.env !== undefined) {
    if (!isPlainObject(raw.env)) fail('hive.env must be an attribute set of strings');
    for (const [k, v] of Object.entries(raw.env)) {
      if (!SETTINGS_ENV_NAME.test(k)) fail(`hive.env.${k}: variable names are upper-case letters, digits and _`);
      if (k.startsWith('HIVE_')) fail(`hive.env.${k}: HIVE_* variables are set by hyperhive and cannot be overridden`);
      if (typeof v !== 'string') fail(`hive.env.${k} must be a string, got ${shown(v)}`);
      env[k] = v;
    }
  }

  let mcpServers: Record<string, unknown> = {};
  if (raw.mcpServers !== undefined) {
    if (!isPlainObject(raw.mcpServers)) fail('hive.mcpServers must be an attribute set (name → server config)');
    for (const [k, v] of Object.entries(raw.mcpServers)) {
      if (!MCP_SERVER_NAME.test(k)) fail(`hive.mcpServers.${k}: server names are letters, digits, _ and -`);
      if (!isPlainObject(v)) fail(`hive.mcpServers.${k} must be an attribute set (command, args, env or url)`);
    }
    mcpServers = raw.mcpServers;
  }

  const mode = optionalString(raw, 'permissionMode') ?? null;
  if (mode !== null && !(PERMISSION_MODES as readonly string[]).includes(mode))
    fail(`hive.permissionMode must be one of ${PERMISSION_MODES.join(', ')}, got ${shown(mode)}`);

  let maxTurns: number | null = null;
  if (raw.maxTurns !== undefined && raw.maxTurns !== null) {
    if (typeof raw.maxTurns !== 'number' || !Number.isInteger(raw.maxTurns) || raw.maxTurns < 1 || raw.maxTurns > 1000)
      fail(`hive.maxTurns must be a whole number from 1 to 1000, got ${shown(raw.maxTurns)}`);
    maxTurns = raw.maxTurns;
  }

  const appendSystemPrompt = optionalString(raw, 'appendSystemPrompt') ?? null;
  if (appendSystemPrompt !== null && Buffer.byteLength(appendSystemPrompt, 'utf8') > MAX_PROMPT_BYTES)
    fail(`hive.appendSystemPrompt is ${Buffer.byteLength(appendSystemPrompt, 'utf8')} bytes, at most ${MAX_PROMPT_BYTES} (16 KiB) are allowed`);

  let budgetUsd: number | null = null;
  if (raw.budgetUsd !== undefined && raw.budgetUsd !== null) {
    if (typeof raw.budgetUsd !== 'number' || !Number.isFinite(raw.budgetUsd) || raw.budgetUsd < 0)
      fail(`hive.budgetUsd must be a number of dollars per day, 0 or more, got ${shown(raw.budgetUsd)}`);
    budgetUsd = raw.budgetUsd;
  }

  let healthTimeout: number | null = null;
  if (raw.healthTimeout !== undefined && raw.healthTimeout !== null) {
    if (typeof raw.healthTimeout !== 'number' || !Number.isFinite(raw.healthTimeout) || raw.healthTimeout < 0 || raw.healthTimeout > 600)
      fail(`hive.healthTimeout must be a number of seconds from 0 (no health gate) to 600, got ${shown(raw.healthTimeout)}`);
    healthTimeout = raw.healthTimeout;
  }

  return {
    model,
    env,
    mcpServers,
    permissionMode: mode as PermissionMode | null,
    allowedTools: toolList(raw, 'allowedTools'),
    disallowedTools: toolList(raw, 'disallowedTools'),
    maxTurns,
    appendSystemPrompt,
    budgetUsd,
    limits: limitsOf(raw),
    healthTimeout,
  };
}
