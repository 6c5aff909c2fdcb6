import { validateAgentName } from '@hive/core';
import { fnv1a32 } from './fnv.js';

export interface PortOptions {
  /** The manager's name; it alone gets `managerPort`. Default `hm1nd`. */
  managerName?: string;
  /** Default 8000. */
  managerPort?: number;
  /** First port of the agents' range. Default 8100. */
  base?: number;
  /** Size of the agents' range. Default 900 (8100–8999). */
  range?: number;
}

export const PORT_DEFAULTS = { managerName: 'hm1nd', managerPort: 8000, base: 8100, range: 900 } as const;

/** The agent's harness port: fixed for the manager, `base + fnv1a32(name) % range` for the rest; no state, no probing. */
export function agentWebPort(name: string, options: PortOptions = {}): number {
  validateAgentName(name);
  const o = { ...PORT_DEFAULTS, ...options };
  if (name === o.managerName) return o.managerPort;
  return o.base + (fnv1a32(name) % o.range);
}
