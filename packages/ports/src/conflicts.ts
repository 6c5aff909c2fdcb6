import { agentWebPort, type PortOptions } from './port.js';
import { PortTakenError } from './errors.js';
import { MAX_AGENT_NAME } from '@hive/core';

export interface PortConflict {
  port: number;
  agents: string[];
}

/** Clusters of agents that hash to the same port, sorted by port; agent names sorted within. */
export function findPortConflicts(names: readonly string[], options: PortOptions = {}): PortConflict[] {
  const byPort = new Map<number, Set<string>>();
  for (const n of names) {
    const p = agentWebPort(n, options);
    if (!byPort.has(p)) byPort.set(p, new Set());
    byPort.get(p)!.add(n);
  }
  return [...byPort]
    .filter(([, set]) => set.size > 1)
    .map(([port, set]) => ({ port, agents: [...set].sort() }))
    .sort((a, b) => a.port - b.port);
}

export interface PreflightOptions extends PortOptions {
  /** Names the suggestion must avoid too (every recorded agent, running or not); default `running`. */
  taken?: readonly string[];
}

/**
 * Spawn/rebuild/start preflight: refuses when an agent in `running` other than `name` has the
 * same port, naming it and a free nearby name. Pass only agents that run (or are starting): a
 * crashed or stopped one holds no port, and counting it would block the very rebuild that fixes it.
 */
export function preflightPort(name: string, running: readonly string[], options: PreflightOptions = {}): number {
  const port = agentWebPort(name, options);
  const other = running.find((r) => r !== name && agentWebPort(r, options) === port);
  if (other) throw new PortTakenError(port, other, suggestFreeName(name, [...new Set([...running, ...(options.taken ?? [])])], options) ?? undefined);
  return port;
}

/**
 * A valid name close to `name` whose port no agent in `taken` uses: `name2`, `name3`, …,
 * trimming the stem so the result stays within the name limit. Null if none of 99 tries is free.
 */
export function suggestFreeName(name: string, taken: readonly string[], options: PortOptions = {}): string | null {
  const used = new Set(taken.map((t) => agentWebPort(t, options)));
  const names = new Set(taken);
  for (let i = 2; i < 100; i++) {
    const suffix = String(i);
    const stem = name.slice(0, MAX_AGENT_NAME - suffix.length);
    const candidate = stem + suffix;
    if (names.has(candidate)) continue;
    if (!used.has(agentWebPort(candidate, options))) return candidate;
  }
  return null;
}
