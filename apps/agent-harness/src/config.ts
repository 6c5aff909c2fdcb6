import { z } from 'zod';
import { isValidAgentName } from '@hive/core';
import { ModelName } from '@hive/protocol';
import { resolveClaudeCommand } from './claude-bin.js';
import { HarnessConfigError } from './errors.js';

/** The claude argv when HIVE_CLAUDE_CMD is unset: the pinned CLI pnpm installed, else `claude` on PATH (e.g. pkgs.claude-code). */
export function defaultClaudeCommand(): string[] {
  return resolveClaudeCommand() ?? ['claude'];
}

const port = z.coerce.number().int().min(0).max(65535);
const flag = z.enum(['0', '1', 'true', 'false', '']).transform((v) => v === '1' || v === 'true');

/** `HIVE_CLAUDE_CMD`: a plain command, or a JSON argv array when it starts with `[`. */
export const ClaudeCommand = z
  .string()
  .trim()
  .min(1)
  .transform((raw, ctx): string[] => {
    if (!raw.startsWith('[')) return [raw];
    try {
      const parsed = z.array(z.string().min(1)).min(1).parse(JSON.parse(raw));
      return parsed;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'a JSON array of non-empty strings, e.g. ["node","/abs/claude-cli.mjs"]' });
      return z.NEVER;
    }
  });

/** `--permission-mode` choices of the pinned CLI; `default` means "pass none". */
export const PERMISSION_MODES = ['default', 'acceptEdits', 'auto', 'bypassPermissions', 'manual', 'dontAsk', 'plan'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

/** Tools granted when the settings name none: the sandbox is the boundary, as with container-based runners. */
export const DEFAULT_ALLOWED_TOOLS = ['Bash', 'Read', 'Edit', 'Write', 'Glob', 'Grep', 'NotebookEdit', 'TodoWrite'];

/** The settings fields of HarnessConfig when agent.nix's `hive` names none (for tests building a config by hand). */
export const AGENT_SETTINGS_DEFAULTS: Pick<HarnessConfig, 'permissionMode' | 'allowedTools' | 'disallowedTools' | 'maxTurns' | 'appendSystemPrompt' | 'budgetUsd'> = {
  permissionMode: 'acceptEdits',
  allowedTools: DEFAULT_ALLOWED_TOOLS,
  disallowedTools: [],
  maxTurns: null,
  appendSystemPrompt: '',
  budgetUsd: null,
};

const jsonText = z.string().transform((raw, ctx) => {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not JSON' });
    return z.NEVER;
  }
});

/** A tool pattern as claude takes it, e.g. `Bash(git *)`; never flag-like, never multi-line. */
const ToolPattern = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s-][^\n\r]*$/, 'a tool pattern such as "Bash(git *)": no newline, not starting with - or a space');
const ToolList = jsonText.pipe(z.array(ToolPattern).max(100, 'at most 100 tool patterns'));

/** One extra MCP server entry as claude's `--mcp-config` expects it (stdio or url based). */
export const McpServerEntry = z.record(z.string(), z.unknown());
export const McpServers = z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'server names: letters, digits, _ and -'), McpServerEntry);
export type McpServers = z.infer<typeof McpServers>;

const Env = z.object({
  HIVE_NAME: z.string().refine(isValidAgentName, 'an agent name: ^[a-z][a-z0-9-]*$, 1-9 chars'),
  HIVE_PORT: port,
  HIVE_LABEL: z.string().optional(),
  HIVE_DASHBOARD_PORT: port.optional(),
  HIVE_TOKEN: z.string().min(1),
  HIVE_STATE: z.string().min(1),
  HIVE_DAEMON_URL: z.url().optional(),
  HIVE_IS_MANAGER: flag.default(false),
  HIVE_MANAGER_NAME: z.string().refine(isValidAgentName, 'an agent name').default('hm1nd'),
  HIVE_MODEL: ModelName.default('sonnet'),
  HIVE_MCP_SERVERS: jsonText.pipe(McpServers).optional(),
  HIVE_CLAUDE_CMD: ClaudeCommand.optional(),
  HIVE_PERMISSION_MODE: z.enum(PERMISSION_MODES).default(AGENT_SETTINGS_DEFAULTS.permissionMode),
  HIVE_ALLOWED_TOOLS: ToolList.optional(),
  HIVE_DISALLOWED_TOOLS: ToolList.optional(),
  HIVE_MAX_TURNS: z.coerce.number().int().min(1).max(1000).optional(),
  HIVE_APPEND_SYSTEM_PROMPT: z.string().max(16 * 1024, 'at most 16 KiB').optional(),
  HIVE_BUDGET_USD: z.coerce.number().nonnegative().finite().optional(),
  HIVE_BIND: z.string().min(1).default('127.0.0.1'),
  HIVE_BIND_TRIES: z.coerce.number().int().min(1).max(100).default(12),
  HIVE_BIND_RETRY_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  HIVE_WORKDIR: z.string().min(1).optional(),
  HIVE_DAEMON_KEY_SHA256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex (the sha256 of the daemon key)').optional(),
});

/** Everything the harness reads from its environment, parsed once at startup. */
export interface HarnessConfig {
  name: string;
  label: string;
  port: number;
  host: string;
  dashboardPort: number | null;
  token: string;
  stateDir: string;
  workDir: string;
  daemonUrl: string | null;
  isManager: boolean;
  managerName: string;
  defaultModel: string;
  mcpServers: McpServers;
  claudeCommand: string[];
  /** `hive.permissionMode`; `default` passes no `--permission-mode`. */
  permissionMode: PermissionMode;
  /** `hive.allowedTools` (default DEFAULT_ALLOWED_TOOLS); `mcp__hive` is granted on top, always. */
  allowedTools: string[];
  disallowedTools: string[];
  maxTurns: number | null;
  /** `hive.appendSystemPrompt`, added after the rendered hive prompt. */
  appendSystemPrompt: string;
  /** `hive.budgetUsd`: the daily (UTC) spend after which turns stop; null for none. */
  budgetUsd: number | null;
  bindTries: number;
  bindRetryMs: number;
  /** sha256 of the daemon's key for this agent: the only credential the page API and inbox take. */
  daemonKeySha256: string | null;
}

/** Parses the harness environment; throws HarnessConfigError naming the first bad variable. */
export function parseHarnessEnv(env: NodeJS.ProcessEnv): HarnessConfig {
  // Empty strings mean "unset", as with most shell-built environments.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('HIVE_') && v !== ''));
  const r = Env.safeParse(cleaned);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const key = String(issue.path[0] ?? 'env');
    const message = issue.code === 'invalid_type' && cleaned[key] === undefined ? 'is required' : issue.message;
    throw new HarnessConfigError(`${key} ${message}`);
  }
  const e = r.data;
  const daemonUrl = e.HIVE_DAEMON_URL ?? (e.HIVE_DASHBOARD_PORT ? `http://127.0.0.1:${e.HIVE_DASHBOARD_PORT}` : null);
  return {
    name: e.HIVE_NAME,
    label: e.HIVE_LABEL ?? e.HIVE_NAME,
    port: e.HIVE_PORT,
    host: e.HIVE_BIND,
    dashboardPort: e.HIVE_DASHBOARD_PORT ?? null,
    token: e.HIVE_TOKEN,
    stateDir: e.HIVE_STATE,
    workDir: e.HIVE_WORKDIR ?? e.HIVE_STATE,
    daemonUrl: daemonUrl?.replace(/\/+$/, '') ?? null,
    isManager: e.HIVE_IS_MANAGER,
    managerName: e.HIVE_MANAGER_NAME,
    defaultModel: e.HIVE_MODEL,
    mcpServers: e.HIVE_MCP_SERVERS ?? {},
    claudeCommand: e.HIVE_CLAUDE_CMD ?? defaultClaudeCommand(),
    permissionMode: e.HIVE_PERMISSION_MODE,
    allowedTools: e.HIVE_ALLOWED_TOOLS ?? AGENT_SETTINGS_DEFAULTS.allowedTools,
    disallowedTools: e.HIVE_DISALLOWED_TOOLS ?? [],
    maxTurns: e.HIVE_MAX_TURNS ?? null,
    appendSystemPrompt: e.HIVE_APPEND_SYSTEM_PROMPT ?? '',
    budgetUsd: e.HIVE_BUDGET_USD ?? null,
    bindTries: e.HIVE_BIND_TRIES,
    bindRetryMs: e.HIVE_BIND_RETRY_MS,
    daemonKeySha256: e.HIVE_DAEMON_KEY_SHA256 ?? null,
  };
}
