import type { AgentHealth, HealthCheck } from '@hive/protocol';
import { harnessUrl, postToHarness, type HiveContext } from './context.js';

/** What the harness's `POST /api/health-check` answers. */
interface HarnessHealth {
  ok: boolean;
  checks: HealthCheck[];
}

export interface HealthResult {
  ok: boolean;
  checks: HealthCheck[];
  /** The first failing check as one line (`mcp fs: spawn nope ENOENT`), for notes and events. */
  failed?: string;
}

const RETRY_MS = 500;

/**
 * After a deploy or rollback: the agent is healthy when its harness answers, its claude command
 * runs and every MCP server in its config answers `initialize` — checked by the harness itself,
 * inside the agent's sandbox, with the env claude gets. Retried until `timeoutMs` runs out (a
 * harness restarting is not a failure yet); the last answer is the verdict.
 */
export async function checkHealth(ctx: HiveContext, name: string, o: { timeoutMs: number }): Promise<HealthResult> {
  const deadline = Date.now() + o.timeoutMs;
  const agent = ctx.store.getAgent(name);
  let last: HealthResult = { ok: false, checks: [{ name: 'harness', ok: false, detail: 'not checked' }] };
  if (!agent) return last;
  for (;;) {
    const left = deadline - Date.now();
    last = await askHarness(ctx, name, Math.max(left, 1000));
    if (last.ok || Date.now() + RETRY_MS >= deadline) break;
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  return last;
}

async function askHarness(ctx: HiveContext, name: string, timeoutMs: number): Promise<HealthResult> {
  const status = await ctx.runtime.status(name);
  if (status !== 'running' && status !== 'starting') return failed([{ name: 'harness', ok: false, detail: `the agent is ${status}` }]);
  try {
    const res = await postToHarness(ctx, name, '/api/health-check', { timeout_ms: Math.min(timeoutMs, 15_000) }, timeoutMs + 1000);
    if (!res.ok) return failed([{ name: 'harness', ok: false, detail: `answered HTTP ${res.status} to its health check` }]);
    const h = (await res.json()) as HarnessHealth;
    const checks = [{ name: 'harness', ok: true }, ...(Array.isArray(h.checks) ? h.checks : [])];
    return h.ok === true && checks.every((c) => c.ok) ? { ok: true, checks } : failed(checks);
  } catch (e) {
    return failed([{ name: 'harness', ok: false, detail: `does not answer at ${await harnessUrl(ctx, name)}: ${(e as Error).message}` }]);
  }
}

function failed(checks: HealthCheck[]): HealthResult {
  const bad = checks.find((c) => !c.ok);
  return { ok: false, checks, failed: bad ? `${bad.name}${bad.detail ? `: ${bad.detail}` : ''}`.split('\n')[0]!.slice(0, 500) : 'unknown' };
}

/** Records the verdict (the dashboard shows the last one per agent) and tells everyone. */
export function recordHealth(ctx: HiveContext, name: string, r: HealthResult, approvalId: number | null): AgentHealth {
  const at = ctx.store.setHealth(name, { ok: r.ok, approval_id: approvalId, checks: r.checks });
  ctx.bus.emit('HealthChecked', name, { agent: name, ok: r.ok, approval_id: approvalId, ...(r.failed && !r.ok ? { failed: r.failed } : {}) });
  return { ok: r.ok, at, approval_id: approvalId, checks: r.checks };
}
