import type { ActivityBody, AgentActivity, AgentUsage, HarnessActivity, TurnReportBody } from '@hive/protocol';
import type { HiveContext } from './context.js';

const ZERO: AgentUsage = { cost_usd: 0, input_tokens: 0, output_tokens: 0, turns: 0 };

/** Start of today in UTC, as the ISO prefix the turns table stores. */
const todayUtc = (): string => new Date().toISOString().slice(0, 10);

/**
 * What agents' turns cost and what they are doing, as their harnesses report it.
 * Activity shown to the operator is derived: an open question makes an agent `waiting`
 * whatever it reports, and a crashed one is in `error`.
 */
export class AgentUsageBook {
  private activity = new Map<string, HarnessActivity>();
  private models = new Map<string, string>();
  /** Bumped on every change to what this book holds in memory (the state cache's key has it). */
  generation = 0;

  constructor(private ctx: HiveContext) {}

  recordTurn(agent: string, r: TurnReportBody): void {
    this.ctx.store.insertTurn(agent, {
      turn: r.turn,
      ok: r.ok,
      cost_usd: r.cost_usd,
      input_tokens: r.input_tokens + r.cache_read_input_tokens + r.cache_creation_input_tokens,
      output_tokens: r.output_tokens,
      num_turns: r.num_turns,
      duration_ms: Math.round(r.duration_ms),
      model_usage: r.model_usage,
    });
    if (r.model) this.models.set(agent, r.model);
    this.generation += 1;
    this.ctx.bus.emit('TurnRecorded', agent, { agent, turn: r.turn, ok: r.ok, cost_usd: r.cost_usd });
    if (r.budget_exceeded) this.ctx.bus.emit('BudgetExceeded', agent, { agent, error: r.error ?? 'daily budget reached' });
  }

  setActivity(agent: string, { activity, model }: ActivityBody): void {
    const sameModel = model === undefined || this.models.get(agent) === model;
    if (this.activity.get(agent) === activity && sameModel) return;
    this.activity.set(agent, activity);
    if (model) this.models.set(agent, model);
    this.generation += 1;
    this.ctx.bus.emit('AgentActivity', agent, { agent, activity, ...(model ? { model } : {}) });
  }

  /** The model the agent said it runs (a runtime override included), or null before it said. */
  modelOf(agent: string): string | null {
    return this.models.get(agent) ?? null;
  }


  /** Per agent: all-time totals with today's beside them. */
  usage(): (agent: string) => AgentUsage & { today: AgentUsage } {
    const all = this.ctx.store.usageByAgent();
    const today = this.ctx.store.usageByAgent(todayUtc());
    return (agent) => ({ ...(all.get(agent) ?? ZERO), today: today.get(agent) ?? ZERO });
  }

  activityOf(agent: string, o: { status: string; openQuestion: boolean }): AgentActivity {
    if (o.openQuestion) return 'waiting';
    if (o.status === 'crashed') return 'error';
    return this.activity.get(agent) ?? 'idle';
  }
}
