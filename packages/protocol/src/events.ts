import { z } from 'zod';
import { ApprovalKind, ApprovalStatus } from './approvals.js';
import { AgentActivity, AgentStatus } from './state.js';

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
  /** A deploy of an earlier tree ended deployed: by the operator, or `auto` after a failed health check. */
  'RolledBack',
  /** An agent's health check after a deploy or rollback ended (ok or not). */
  'HealthChecked',
  /** The operator froze the hive (turns cancelled, inboxes held, deploys refused) or thawed it. */
  'Frozen',
  'Thawed',
]);
export type EventType = z.infer<typeof EventType>;

/**
 * One persisted event as stored and sent: the envelope, `data` untyped. Read `data` through
 * `TypedHiveEvent` (or `parseHiveEvent`), which checks it against its type's schema.
 */
export const HiveEvent = z.object({
  id: z.number().int().positive(),
  ts: z.string(),
  type: EventType,
  agent: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type HiveEvent = z.infer<typeof HiveEvent>;

const name = z.string().min(1);
const id = z.number().int().positive();
/** The first line is what the inbox and the history show; the rest is kept for the detail view. */
const text = z.string();

/**
 * The fields each event type carries in `data`: one schema per type, the only place they are named.
 * Strict: a field an emitter adds without declaring it here is an error, not a silent extra.
 */
export const EventData = {
  Spawned: z.strictObject({ agent: name, port: z.number().int().min(1).max(65535) }),
  Destroyed: z.strictObject({ agent: name, purge: z.boolean() }),
  /** A rebuild or a deploy ended; `terminal_tag` is deployed/<id> or failed/<id> for an approval, null for a plain rebuild. */
  Rebuilt: z.strictObject({ agent: name, ok: z.boolean(), terminal_tag: z.string().nullable(), error: text.optional() }),
  ApprovalQueued: z.strictObject({ id, agent: name, kind: ApprovalKind, sha: z.string().nullable() }),
  ApprovalBuilding: z.strictObject({ id, agent: name }),
  /** `recovered`: decided by the start-up recovery from the tags, not by a live build. */
  ApprovalResolved: z.strictObject({
    id,
    agent: name,
    status: ApprovalStatus.extract(['deployed', 'failed', 'denied']),
    terminal_tag: z.string().nullable(),
    note: text.nullable(),
    recovered: z.literal(true).optional(),
  }),
  /** The runtime saw the agent exit; `tail` is the end of its output (≤ 2000 chars). */
  /** `reason` when the runtime knows why (killed for memory at its hive.limits.memoryMax). */
  container_crash: z.strictObject({ agent: name, code: z.number().int().nullable(), signal: z.string().nullable(), tail: text, reason: text.optional() }),
  AgentStatus: z.strictObject({ agent: name, status: AgentStatus, error: text.optional() }),
  PortConflict: z.strictObject({ port: z.number().int().min(1).max(65535), agents: z.array(name).min(2) }),
  QuestionAsked: z.strictObject({ id, agent: name, question: text }),
  QuestionAnswered: z.strictObject({ id, agent: name, answer: text }),
  Message: z.strictObject({ id, from: name, to: name, text }),
  BudgetExceeded: z.strictObject({ agent: name, error: text }),
  /** `model` only when the harness reported it with this change. */
  AgentActivity: z.strictObject({ agent: name, activity: AgentActivity, model: z.string().optional() }),
  TurnRecorded: z.strictObject({ agent: name, turn: z.number().int().nonnegative(), ok: z.boolean(), cost_usd: z.number().nonnegative() }),
  /** `id` is the rollback's own approval; `to` the tag whose tree it deployed; `from` what ran before. */
  RolledBack: z.strictObject({ id, agent: name, to: z.string(), from: z.string().nullable(), sha: z.string(), auto: z.boolean() }),
  HealthChecked: z.strictObject({ agent: name, ok: z.boolean(), approval_id: id.nullable(), failed: text.optional() }),
  Frozen: z.strictObject({ reason: text }),
  Thawed: z.strictObject({}),
} satisfies { [T in EventType]: z.ZodType };

/** What `data` holds for events of type `T`. */
export type EventDataOf<T extends EventType> = z.infer<(typeof EventData)[T]>;

const envelope = { id: z.number().int().positive(), ts: z.string(), agent: z.string().nullable() };
const variants = EventType.options.map((t) => z.object({ ...envelope, type: z.literal(t), data: EventData[t] }));

/** A HiveEvent whose `data` matches its `type`: switch on `type` and `data` is typed. */
export const TypedHiveEvent = z.discriminatedUnion('type', variants as unknown as Variants);
export type TypedHiveEvent = { [T in EventType]: HiveEventOf<T> }[EventType];
/** The event of one type, e.g. `HiveEventOf<'Rebuilt'>`. */
export type HiveEventOf<T extends EventType> = { id: number; ts: string; type: T; agent: string | null; data: EventDataOf<T> };
type Variant<T extends EventType> = z.ZodObject<{
  id: z.ZodNumber;
  ts: z.ZodString;
  agent: z.ZodNullable<z.ZodString>;
  type: z.ZodLiteral<T>;
  data: (typeof EventData)[T];
}>;
type Variants = [Variant<EventType>, ...Variant<EventType>[]];

/** The typed event, or null when its `data` does not match its type (a row from an older daemon, say). */
export function parseHiveEvent(e: unknown): TypedHiveEvent | null {
  const r = TypedHiveEvent.safeParse(e);
  return r.success ? (r.data as TypedHiveEvent) : null;
}

/**
 * What the live socket `/api/events/ws` sends: one JSON object per frame. `event` stays the
 * plain envelope because a replayed row from an older daemon may not match its type's schema;
 * readers type it with `parseHiveEvent`.
 */
export const EventFrame = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('hello'), last_event_id: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('event'), event: HiveEvent }),
]);
export type EventFrame = z.infer<typeof EventFrame>;
