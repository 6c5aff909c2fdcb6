import { validateAgentName } from '@hive/core';
import { agentWebPort, PORT_DEFAULTS, type PortOptions } from '@hive/ports';
import type { AgentSpec } from './options.js';

/**
 * The AgentSpec list for syncAgents: the live containers' agent names plus, on the spawn path, the
 * not-yet-present `extraName`. Ports from @hive/ports; label = name; deduplicated and sorted.
 */
export function agentsForMeta(
  existing: readonly string[],
  extraName?: string,
  o: { managerName?: string; ports?: PortOptions } = {},
): AgentSpec[] {
  const managerName = o.managerName ?? o.ports?.managerName ?? PORT_DEFAULTS.managerName;
  validateAgentName(managerName);
  const names = new Set<string>();
  for (const n of existing) names.add(validateAgentName(n));
  if (extraName !== undefined) names.add(validateAgentName(extraName));
  const ports = { ...o.ports, managerName };
  return [...names].sort().map((name) => ({ name, port: agentWebPort(name, ports), isManager: name === managerName, label: name }));
}
