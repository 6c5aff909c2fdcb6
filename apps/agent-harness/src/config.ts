import { z } from 'zod';
import { isValidAgentName } from '@hive/core';
import { ModelName } from '@hive/protocol';
import { HarnessConfigError } from './errors.js';

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
      ctx.addIssue({ code: 'custom', message: 'a JSON array of non-empty strings, e.g. ["node","/abs/fake-claude.mjs"]' });
      return z.NEVER;
    }
  });

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
  HIVE_MCP_SERVERS: z
    .string()
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(McpServers)
    .optional(),
  HIVE_CLAUDE_CMD: ClaudeCommand.default(['claude']),
  HIVE_BIND: z.string().min(1).default('127.0.0.1'),
  HIVE_BIND_TRIES: z.coerce.number().int().min(1).max(100).default(12),
  HIVE_BIND_RETRY_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  HIVE_WORKDIR: z.string().min(1).optional(),
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
  bindTries: number;
  bindRetryMs: number;
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
    claudeCommand: e.HIVE_CLAUDE_CMD,
    bindTries: e.HIVE_BIND_TRIES,
    bindRetryMs: e.HIVE_BIND_RETRY_MS,
  };
}
