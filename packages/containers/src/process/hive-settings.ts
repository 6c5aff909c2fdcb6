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

/** Shape-checks the evaluated `hive` attrset; a bad value is a failed build naming the attribute. */
export function validateSettings(raw: unknown): HiveSettings {
  if (!isPlainObject(raw)) fail(`hive must be an attribute set, got ${JSON.stringify(raw)}`);
  // Other keys (healthTimeout, claudePackage, …) belong to the NixOS side and are not ours to judge.

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
  };
}
