import { agentInput, appliedUrl, checkRenderOptions, checkSpecs, type AgentSpec, type RenderOptions } from './options.js';

// A Nix string literal: JSON escapes `"` and `\`; `${` must not start an interpolation.
const nixString = (s: string) => JSON.stringify(s).replaceAll('${', '\\${');

/**
 * The meta flake's flake.nix: input `hyperhive`, `nixpkgs` following it, one `agent-<n>` input and one
 * `nixosConfigurations.<n>` per agent. Deterministic: agents are sorted by name, so any order renders the same bytes.
 */
export function renderMetaFlake(agents: readonly AgentSpec[], options: RenderOptions): string {
  const o = checkRenderOptions(options);
  const specs = checkSpecs(agents);
  const managerName = o.managerName ?? specs.find((a) => a.isManager)?.name;
  const inputs = specs.map((a) => `    ${agentInput(a.name)}.url = ${nixString(appliedUrl(o.appliedRoot, a.name))};`);
  const configs = specs.map(
    (a) =>
      `        ${a.name} = mkAgent { name = ${nixString(a.name)}; port = ${a.port}; label = ${nixString(a.label)}; ` +
      `isManager = ${a.isManager}; agent = inputs.${agentInput(a.name)}; };`,
  );
  return `# The hyperhive meta flake: one input and one nixosConfiguration per agent.
# Written by @hive/metaflake on every spawn and rebuild; do not edit by hand.
# flake.lock pins each agent's applied repo: \`git log\` here is the swarm's deploy history.
{
  description = "hyperhive meta flake";

  inputs = {
    hyperhive.url = ${nixString(o.hyperhiveUrl)};
    nixpkgs.follows = "hyperhive/nixpkgs";
${inputs.map((l) => l + '\n').join('')}  };

  outputs = { self, hyperhive, nixpkgs, ... }@inputs:
    let
      system = ${nixString(o.system)};
      dashboardPort = ${o.dashboardPort};

      # Wraps an agent's own module (its agent.nix) with what the host decides:
      # identity, the manager's name, ports, network and git identity. It lives here,
      # never in an agent's repos. \`system\` is the host's (HIVE_SYSTEM).
      mkAgent = { name, port, label, isManager, agent }:
        nixpkgs.lib.nixosSystem {
          inherit system;
          modules = [
            hyperhive.nixosModules.harness-base
            agent.nixosModules.default
            {
              hive = { inherit name port label isManager dashboardPort;${managerName ? ` managerName = ${nixString(managerName)};` : ''}${o.network === 'private' ? ' privateNetwork = true;' : ''} };
              networking.hostName = "h-\${name}";
              environment.variables = {
                HIVE_NAME = name;
                HIVE_PORT = toString port;
                HIVE_LABEL = label;
                HIVE_DASHBOARD_PORT = toString dashboardPort;
                HIVE_IS_MANAGER = if isManager then "1" else "0";${managerName ? `\n                HIVE_MANAGER_NAME = ${nixString(managerName)};` : ''}
              };
              programs.git.config.user = { inherit name; email = "\${name}@hyperhive"; };
            }
          ];
        };
    in
    {
      nixosConfigurations = {
${configs.map((l) => l + '\n').join('')}      };
    };
}
`;
}
