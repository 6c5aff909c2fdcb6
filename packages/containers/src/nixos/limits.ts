import { containerName } from '@hive/core';
import type { RuntimeAgent } from '../runtime.js';
import { InvalidLimitError } from '../errors.js';
import { CPU_PERCENT, MEMORY_SIZE, type HiveLimits } from '../process/hive-settings.js';
import { readHiveSettings } from '../process/settings.js';

/** systemd resource settings for an agent's container unit (harness-base's `hive.containerUnit.serviceConfig`). */
export interface ContainerLimits {
  MemoryMax?: string;
  CPUQuota?: string;
  TasksMax?: number | string;
}

// The value goes into a drop-in systemctl writes: one plain token, never a newline or a second directive.
const VALID: Record<keyof ContainerLimits, RegExp> = {
  // The settings reader's own patterns (process/hive-settings.ts), checked again at the unit.
  MemoryMax: MEMORY_SIZE,
  CPUQuota: CPU_PERCENT,
  TasksMax: /^[1-9][0-9]{0,6}$/,
};
// What `systemctl set-property` resets an unset one to: no limit (TasksMax's own default is a share of the host's).
const UNSET: Record<keyof ContainerLimits, string> = { MemoryMax: 'infinity', CPUQuota: '', TasksMax: 'infinity' };

/** The `set-property` assignments for a unit: every known key, unset ones reset, each value checked. */
export function limitAssignments(limits: ContainerLimits): string[] {
  const out: string[] = [];
  for (const key of Object.keys(VALID) as (keyof ContainerLimits)[]) {
    const v = limits[key];
    if (v === undefined || v === null) {
      out.push(`${key}=${UNSET[key]}`);
      continue;
    }
    if (!VALID[key].test(String(v))) throw new InvalidLimitError(key, String(v));
    out.push(`${key}=${String(v)}`);
  }
  for (const key of Object.keys(limits)) if (!(key in VALID)) throw new InvalidLimitError(key, String((limits as Record<string, unknown>)[key]));
  return out;
}

/** hive.limits of the agent's applied tree (the one settings reader), as the unit's properties. */
export async function settingsLimits(agent: RuntimeAgent): Promise<ContainerLimits> {
  return unitLimits((await readHiveSettings(agent.appliedDir)).limits);
}

export function unitLimits(l: HiveLimits): ContainerLimits {
  return {
    ...(l.memoryMax ? { MemoryMax: l.memoryMax } : {}),
    ...(l.cpuQuota ? { CPUQuota: l.cpuQuota } : {}),
    ...(l.tasksMax ? { TasksMax: l.tasksMax } : {}),
  };
}

/**
 * hive.limits on the host's container@h-<n> unit: `systemctl set-property` applies them to a running
 * container at once and persists them (system.control drop-ins, writable on NixOS, unlike /etc/systemd/system).
 * Limits that cannot be read are logged, not fatal: the build itself succeeded.
 */
export async function applyContainerLimits(o: {
  agent: RuntimeAgent;
  limitsOf: (agent: RuntimeAgent) => Promise<ContainerLimits | null>;
  setProperty: (unit: string, assignments: string[]) => Promise<unknown>;
  log?: (line: string) => void;
}): Promise<void> {
  const c = containerName(o.agent.name);
  let limits: ContainerLimits | null;
  try {
    limits = await o.limitsOf(o.agent);
  } catch (e) {
    o.log?.(`limits of ${c} not applied: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    return;
  }
  if (limits !== null) await o.setProperty(`container@${c}.service`, limitAssignments(limits));
}
