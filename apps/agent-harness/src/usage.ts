import path from 'node:path';
import { UsageRecord, type AgentUsage } from '@hive/protocol';
import { appendJsonLine, readJsonLines } from './state-files.js';
import type { ResultEvent } from './stream-json.js';

/** The UTC day (`YYYY-MM-DD`) of an ISO time: budgets reset at 00:00 UTC. */
const utcDay = (iso: string | Date): string => new Date(iso).toISOString().slice(0, 10);

/** Builds a turn's usage record from its `result` event; a run without one (it never started, or was killed) costs zero. */
export function usageRecordOf(o: { turn: number; ok: boolean; model: string; result: ResultEvent | null; now?: Date }): UsageRecord {
  const r = o.result;
  return {
    turn: o.turn,
    ts: (o.now ?? new Date()).toISOString(),
    ok: o.ok,
    model: o.model,
    cost_usd: r?.costUsd ?? 0,
    input_tokens: r?.usage.input_tokens ?? 0,
    output_tokens: r?.usage.output_tokens ?? 0,
    cache_read_input_tokens: r?.usage.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: r?.usage.cache_creation_input_tokens ?? 0,
    num_turns: r?.numTurns ?? 0,
    duration_ms: r?.durationMs ?? 0,
    model_usage: r?.modelUsage ?? {},
  };
}

const compact = (n: number): string => (n < 1000 ? String(n) : n < 1_000_000 ? `${(n / 1000).toFixed(1)}k` : `${(n / 1_000_000).toFixed(1)}M`);

/** Dollars the way the page shows them: four decimals under a dollar, two above. */
export const formatUsd = (usd: number): string => `$${usd >= 1 ? usd.toFixed(2) : usd.toFixed(4)}`;

/** The small line under a turn: `$0.0123 · 1.2k in / 340 out` (plus cached input when there was any). */
export function formatUsageLine(r: Pick<UsageRecord, 'cost_usd' | 'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens'>): string {
  const cached = r.cache_read_input_tokens + r.cache_creation_input_tokens;
  return `${formatUsd(r.cost_usd)} · ${compact(r.input_tokens)} in / ${compact(r.output_tokens)} out${cached ? ` · ${compact(cached)} cached` : ''}`;
}

/** The line a turn gets instead of running once today's spend reached the budget. */
export function budgetLine(budgetUsd: number, spentUsd: number): string {
  return `daily budget of ${formatUsd(budgetUsd)} reached (${formatUsd(spentUsd)} spent today): turn not run — raise hive.budgetUsd or wait until 00:00 UTC`;
}

function sum(records: UsageRecord[]): AgentUsage {
  const t: AgentUsage = { cost_usd: 0, input_tokens: 0, output_tokens: 0, turns: 0 };
  for (const r of records) {
    t.cost_usd += r.cost_usd;
    t.input_tokens += r.input_tokens;
    t.output_tokens += r.output_tokens;
    t.turns += 1;
  }
  // Float sums drift (0.1 + 0.2); a micro-dollar is finer than any price.
  t.cost_usd = Math.round(t.cost_usd * 1e6) / 1e6;
  return t;
}

/** `usage.jsonl` in the agent's state dir: one UsageRecord per turn that ran, reloaded on start. */
export class UsageLog {
  readonly file: string;
  #records: UsageRecord[];

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'usage.jsonl');
    this.#records = readJsonLines(this.file, UsageRecord);
  }

  /** Appends one turn's record. */
  append(record: UsageRecord): void {
    appendJsonLine(this.file, record);
    this.#records.push(record);
  }

  /** The record of one turn, if it ran. */
  ofTurn(turn: number): UsageRecord | undefined {
    return this.#records.findLast((r) => r.turn === turn);
  }

  /** Everything since the log began. */
  total(): AgentUsage {
    return sum(this.#records);
  }

  /** This UTC day's turns. */
  today(now: Date = new Date()): AgentUsage {
    const day = utcDay(now);
    return sum(this.#records.filter((r) => utcDay(r.ts) === day));
  }
}
