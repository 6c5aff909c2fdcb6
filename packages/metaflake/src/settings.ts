import { runNix, validateAgentName } from '@hive/core';
import { checkDir } from './options.js';

/** The harness knobs an agent's agent.nix sets, as evaluated through the meta flake. */
export interface AgentSettings {
  model: string;
  env: Record<string, string>;
  mcpServers: Record<string, unknown>;
}

/**
 * Evaluates `nixosConfigurations.<name>.config.hive` of the meta flake as it is on disk (a prepared,
 * uncommitted deploy included), reading only model, env and mcpServers: lazy, nothing is built.
 */
export async function evalAgentSettings(metaDir: string, name: string): Promise<AgentSettings> {
  const dir = checkDir('metaDir', metaDir);
  validateAgentName(name);
  const { stdout } = await runNix(
    ['eval', '--json', `${dir}#nixosConfigurations.${name}.config.hive`, '--apply', 'h: { inherit (h) model env mcpServers; }'],
    { cwd: dir },
  );
  return JSON.parse(stdout) as AgentSettings;
}
