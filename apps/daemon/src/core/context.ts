import type { Logger } from 'pino';
import type { StateLayout } from '@hive/core';
import type { ContainerRuntime, RuntimeAgent } from '@hive/containers';
import type { MetaOptions } from '@hive/metaflake';
import type { PortOptions } from '@hive/ports';
import { agentWebPort } from '@hive/ports';
import type { DaemonConfig } from '../config.js';
import type { Store } from '../store.js';
import type { EventBus } from './event-bus.js';
import type { KeyedMutex } from './locks.js';
import type { AgentTokens } from './tokens.js';
import type { AgentKeys, OperatorAuth } from './secrets.js';
import type { StepObserver } from './pipeline-steps.js';
import type { TurnSlots } from './turn-slots.js';

/** Everything the lifecycle and approval code needs, built once by Hive. */
export interface HiveContext {
  config: DaemonConfig;
  layout: StateLayout;
  store: Store;
  bus: EventBus;
  runtime: ContainerRuntime;
  tokens: AgentTokens;
  /** The operator's token and sessions. */
  operator: OperatorAuth;
  /** The daemon's per-agent keys for harness calls. */
  keys: AgentKeys;
  /** One queue per agent name, plus `meta` for every write to the meta repo and `approval-ids`. */
  locks: KeyedMutex;
  log: Logger;
  meta: MetaOptions;
  ports: PortOptions;
  /** The daemon's own URL as agents reach it. */
  daemonUrl: () => string;
  /** At most `config.maxTurns` claude turns at once across the hive. */
  turnSlots: TurnSlots;
  /** The pipeline's step observer: `faultAt(config.faultAt)` (HIVE_FAULT_AT=<step> kills the daemon there), a no-op otherwise. */
  fault: StepObserver;
}


export const META_LOCK = 'meta\0';
export const APPROVAL_ID_LOCK = 'approval-ids\0';

/**
 * Where the daemon reaches an agent's harness: `http://127.0.0.1:<port>` on the host network, the
 * container's own address on a private one. Every call the daemon makes to a harness starts here.
 */
export async function harnessUrl(ctx: HiveContext, name: string, scheme: 'http' | 'ws' = 'http'): Promise<string> {
  const address = ctx.runtime.harnessAddress ? await ctx.runtime.harnessAddress(name) : '127.0.0.1';
  return `${scheme}://${address}:${agentWebPort(name, ctx.ports)}`;
}

/** A JSON POST to an agent's harness with the daemon's key for it (what only the daemon may send); rejects when it does not answer. */
export async function postToHarness(ctx: HiveContext, name: string, path: string, body: unknown, timeoutMs: number): Promise<Response> {
  return fetch(`${await harnessUrl(ctx, name)}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.keys.keyFor(name)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
}

/** The runtime's view of one agent: port, env and paths. */
export function runtimeAgent(ctx: HiveContext, name: string): RuntimeAgent {
  const port = agentWebPort(name, ctx.ports);
  const isManager = name === ctx.config.managerName;
  const env: Record<string, string> = {
    HIVE_NAME: name,
    HIVE_PORT: String(port),
    HIVE_LABEL: name,
    HIVE_DASHBOARD_PORT: String(new URL(ctx.daemonUrl()).port),
    HIVE_TOKEN: ctx.tokens.ensure(name),
    HIVE_DAEMON_URL: ctx.daemonUrl(),
    HIVE_IS_MANAGER: isManager ? '1' : '0',
    HIVE_MANAGER_NAME: ctx.config.managerName,
    // Only the hash: the agent can read its harness's env, and must not learn a key it could replay.
    HIVE_DAEMON_KEY_SHA256: ctx.keys.hashFor(name),
  };
  if (ctx.config.claudeCommand) env.HIVE_CLAUDE_CMD = ctx.config.claudeCommand;
  return {
    name,
    port,
    isManager,
    env,
    flakeRef: `${ctx.layout.metaDir}#${name}`,
    appliedDir: ctx.layout.applied(name),
    stateDir: ctx.layout.agentState(name),
  };
}
