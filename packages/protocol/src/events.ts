import { z } from 'zod';

/**
 * Event types. `Rebuilt`, `ApprovalResolved` and `container_crash` keep the
 * original system's names because the manager's prompts refer to them.
 */
export const EventType = z.enum([
  'Spawned',
  'Destroyed',
  'Rebuilt',
  'ApprovalQueued',
  'ApprovalBuilding',
  'ApprovalResolved',
  'container_crash',
  'AgentStatus',
  'PortConflict',
  'QuestionAsked',
  'QuestionAnswered',
  'Message',
  /** An agent's daily `hive.budgetUsd` is spent: its turns stop until the next UTC day. */
  'BudgetExceeded',
  /** An agent's activity changed (idle, working, error), or the model it runs. */
  'AgentActivity',
  /** A claude turn's usage was recorded (the dashboard's cost figures move). */
  'TurnRecorded',
]);
export type EventType = z.infer<typeof EventType>;

/** One persisted event; `data` carries the type's fields, e.g. Rebuilt{agent, ok, terminal_tag}. */
export const HiveEvent = z.object({
  id: z.number().int().positive(),
  ts: z.string(),
  type: EventType,
  agent: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type HiveEvent = z.infer<typeof HiveEvent>;

/** What the live socket `/api/events/ws` sends: one JSON object per frame. */
export const EventFrame = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('hello'), last_event_id: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('event'), event: HiveEvent }),
]);
export type EventFrame = z.infer<typeof EventFrame>;
