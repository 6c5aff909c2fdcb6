import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { McpServers } from './config.js';
import { writeJsonFile } from './state-files.js';

/** The built stdio MCP entry that claude launches. */
// Resolved from the package root so it points at the build from src/ (tests) and dist/ alike.
export const mcpEntryPath = fileURLToPath(new URL('../dist/mcp.js', import.meta.url));

export interface McpConfigOptions {
  stateDir: string;
  name: string;
  token: string;
  daemonUrl: string | null;
  isManager: boolean;
  /** Extra servers from the agent's config, merged beside `hive`. */
  extra: McpServers;
}

/** Writes `mcp-config.json` (mode 0600: it carries the agent's token) and returns its path. */
export function writeMcpConfig(o: McpConfigOptions): string {
  const file = path.join(o.stateDir, 'mcp-config.json');
  const servers: Record<string, unknown> = { ...o.extra };
  if (o.daemonUrl) {
    // `hive` last so an extra server cannot shadow the agent's own tools.
    servers.hive = {
      type: 'stdio',
      command: process.execPath,
      args: [mcpEntryPath],
      env: { HIVE_NAME: o.name, HIVE_TOKEN: o.token, HIVE_DAEMON_URL: o.daemonUrl, HIVE_IS_MANAGER: o.isManager ? '1' : '0' },
    };
  }
  writeJsonFile(file, { mcpServers: servers }, 0o600);
  return file;
}
