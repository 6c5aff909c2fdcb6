import { runNix } from '@hive/core';

/** The meta flake's evaluated `config.hive.{model,env,mcpServers}` for one agent, as on disk (a pending pin included); lazy, nothing built. */
export async function evalHive(metaDir: string, name: string): Promise<{ model: string; env: Record<string, string>; mcpServers: Record<string, unknown> }> {
  const { stdout } = await runNix(
    ['eval', '--json', `${metaDir}#nixosConfigurations.${name}.config.hive`, '--apply', 'h: { inherit (h) model env mcpServers; }'],
    { cwd: metaDir },
  );
  return JSON.parse(stdout) as { model: string; env: Record<string, string>; mcpServers: Record<string, unknown> };
}
