import { containerName, runNix } from '@hive/core';
import type { RuntimeAgent } from '../runtime.js';
import { InvalidLimitError } from '../errors.js';

/** systemd resource settings for an agent's container unit (harness-base's `hive.containerUnit.serviceConfig`). */
export interface ContainerLimits {
  MemoryMax?: string;
  CPUQuota?: string;
  TasksMax?: number | string;
}

// The value goes into a drop-in systemctl writes: one plain token, never a newline or a second directive.
const VALID: Record<keyof ContainerLimits, RegExp> = {
  // As the settings reader (process/hive-settings.ts) and harness-base's option types allow.
  MemoryMax: /^(?:[1-9][0-9]{0,15}[KMGT]?|infinity)$/,
  CPUQuota: /^[1-9][0-9]{0,5}%$/,
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

/** Reads `hive.containerUnit.serviceConfig` of `<meta>#<name>` lazily (nothing is built). */
export async function evalContainerLimits(flakeRef: string): Promise<ContainerLimits> {
  const hash = flakeRef.lastIndexOf('#');
  const dir = flakeRef.slice(0, hash);
  const name = flakeRef.slice(hash + 1);
  const { stdout } = await runNix(['eval', '--json', `${dir}#nixosConfigurations.${name}.config.hive.containerUnit.serviceConfig`], { cwd: dir });
  return JSON.parse(stdout) as ContainerLimits;
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
