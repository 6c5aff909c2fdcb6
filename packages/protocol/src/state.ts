import { z } from 'zod';
import { Approval } from './approvals.js';

export const AgentStatus = z.enum(['starting', 'running', 'stopped', 'crashed', 'building', 'unknown']);
export type AgentStatus = z.infer<typeof AgentStatus>;

/** What an agent's turns cost: since the agent's records began, and today (UTC). */
export const AgentUsage = z.object({
  cost_usd: z.number(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  turns: z.number().int(),
});
export type AgentUsage = z.infer<typeof AgentUsage>;

/** Derived from the agent's turns and open questions, never from what the model says; `queued`: its turn waits for a slot (HIVE_MAX_TURNS). */
export const AgentActivity = z.enum(['idle', 'queued', 'working', 'waiting', 'error']);
export type AgentActivity = z.infer<typeof AgentActivity>;

/** One check of an agent's health: the harness answers, its claude command runs, each MCP server initializes. */
export const HealthCheck = z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() });
export type HealthCheck = z.infer<typeof HealthCheck>;

/** The last health check of an agent (after its last deploy or rollback). */
export const AgentHealth = z.object({ ok: z.boolean(), at: z.string(), approval_id: z.number().int().nullable(), checks: z.array(HealthCheck) });
export type AgentHealth = z.infer<typeof AgentHealth>;

/** The hive is frozen: turns cancelled, inboxes held, approve/rollback/spawn/rebuild refused. */
export const FreezeState = z.object({ reason: z.string(), since: z.string() });
export type FreezeState = z.infer<typeof FreezeState>;

export const AgentState = z.object({
  name: z.string(),
  port: z.number().int(),
  status: AgentStatus,
  model: z.string().nullable(),
  deployed_tag: z.string().nullable(),
  /** The agent's harness page. */
  url: z.string(),
  is_manager: z.boolean(),
  container: z.string(),
  /** The model in agent.nix (what `model` falls back to without a runtime override). */
  config_model: z.string().nullable().optional(),
  usage: AgentUsage.extend({ today: AgentUsage }).optional(),
  activity: AgentActivity.optional(),
  health: AgentHealth.nullable().optional(),
});
export type AgentState = z.infer<typeof AgentState>;

export const PortConflict = z.object({ port: z.number().int(), agents: z.array(z.string()) });
export type PortConflict = z.infer<typeof PortConflict>;

export const Question = z.object({
  id: z.number().int().positive(),
  agent: z.string(),
  question: z.string(),
  answered: z.boolean(),
  answer: z.string().nullable(),
  created_at: z.string(),
});
export type Question = z.infer<typeof Question>;

export const AgentMessage = z.object({
  id: z.number().int().positive(),
  from: z.string(),
  to: z.string(),
  text: z.string(),
  created_at: z.string(),
});
export type AgentMessage = z.infer<typeof AgentMessage>;

/** `GET /api/state` (SPEC §8): add fields freely, never rename or drop one. */
export const HiveState = z.object({
  agents: z.array(AgentState),
  approvals: z.array(Approval),
  port_conflicts: z.array(PortConflict),
  questions: z.array(Question),
  messages: z.array(AgentMessage).default([]),
  manager: z.string(),
  runtime: z.enum(['process', 'nixos']),
  frozen: FreezeState.nullable().default(null),
});
export type HiveState = z.infer<typeof HiveState>;
