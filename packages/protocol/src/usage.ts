import { z } from 'zod';
import { AgentActivity, AgentUsage } from './state.js';
import { ModelName } from './harness.js';

/** What the harness itself knows of an agent's activity; the daemon adds `waiting` from open questions. */
export const HarnessActivity = AgentActivity.exclude(['waiting']);
export type HarnessActivity = z.infer<typeof HarnessActivity>;

const tokens = z.number().int().nonnegative();

/** One claude turn's usage, from its `result` event; one line of `state/<n>/usage.jsonl`. */
export const UsageRecord = z.object({
  turn: z.number().int().nonnegative(),
  /** When the turn ended (ISO); "today" is the UTC day of this. */
  ts: z.string(),
  ok: z.boolean(),
  /** The model the turn ran with (argv `--model`). */
  model: z.string().optional(),
  cost_usd: z.number().nonnegative(),
  /** Uncached input tokens, as the API's `usage.input_tokens`. */
  input_tokens: tokens,
  output_tokens: tokens,
  cache_read_input_tokens: tokens.default(0),
  cache_creation_input_tokens: tokens.default(0),
  /** API round trips claude made in this turn. */
  num_turns: z.number().int().nonnegative(),
  duration_ms: z.number().nonnegative(),
  /** claude's `modelUsage`, per model name, as it reported it. */
  model_usage: z.record(z.string(), z.unknown()),
});
export type UsageRecord = z.infer<typeof UsageRecord>;


/** `POST /api/agent/turn_report` (agent token): one turn's usage, sent when the turn ends. */
export const TurnReportBody = UsageRecord.extend({
  /** The turn's one-line error, when it failed. */
  error: z.string().max(2000).nullable().optional(),
  /** True when the turn did not run because today's budget was spent (the daemon raises an event). */
  budget_exceeded: z.boolean().optional(),
});
export type TurnReportBody = z.infer<typeof TurnReportBody>;

/** `POST /api/agent/activity` (agent token): the harness's activity changed. */
export const ActivityBody = z.object({
  activity: HarnessActivity,
  /** The model the agent runs now (a runtime override included), so the dashboard shows it beside the config's. */
  model: ModelName.optional(),
});
export type ActivityBody = z.infer<typeof ActivityBody>;

/** Fields the harness `GET /api/state` adds to `HarnessState`. */
export const HarnessUsageState = z.object({
  activity: HarnessActivity,
  /** This UTC day's summed usage (`AgentUsage`: cost_usd, input_tokens, output_tokens, turns). */
  usage_today: AgentUsage,
  /** `hive.budgetUsd`: the daily cap, or null without one. */
  budget_usd: z.number().nonnegative().nullable(),
});
export type HarnessUsageState = z.infer<typeof HarnessUsageState>;
