import { z } from 'zod';
import { HiveEvent } from './events.js';

/** Model names: letters, digits and `.-_:/[]` only, so nothing shell- or flag-like reaches claude's argv. */
export const ModelName = z
  .string()
  .trim()
  .min(1, 'a model name is required')
  .max(100, 'a model name is at most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/\[\]-]*$/, 'a model name: letters, digits and . _ - : / [ ] only');

/** Harness `GET /api/state` (SPEC §8). */
export const HarnessState = z.object({
  name: z.string(),
  label: z.string(),
  model: z.string(),
  /** The config's model; `model` differs when the runtime override is set. */
  default_model: z.string(),
  busy: z.boolean(),
  is_manager: z.boolean(),
  port: z.number().int(),
  queue: z.number().int().nonnegative(),
  /** The dashboard's port, for a link back to it; absent when the harness runs alone. */
  dashboard_port: z.number().int().nullable().optional(),
});
export type HarnessState = z.infer<typeof HarnessState>;

/** What lands in an agent's inbox; each item is one turn. */
export const InboxItem = z.object({
  kind: z.enum(['operator', 'event', 'message', 'answer']),
  from: z.string(),
  text: z.string().max(64000),
  event: HiveEvent.optional(),
});
export type InboxItem = z.infer<typeof InboxItem>;

/** One line of the chat log, persisted under state/<n>. */
export const ChatEntry = z.object({
  id: z.number().int().nonnegative(),
  ts: z.string(),
  role: z.enum(['operator', 'agent', 'event', 'message', 'answer', 'system', 'error', 'tool']),
  text: z.string(),
  turn: z.number().int().nullable(),
});
export type ChatEntry = z.infer<typeof ChatEntry>;

/** Frames on the harness socket `/api/ws`. */
export const HarnessFrame = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('entry'), entry: ChatEntry }),
  z.object({ kind: z.literal('delta'), turn: z.number().int(), text: z.string() }),
  z.object({ kind: z.literal('state'), state: HarnessState }),
  z.object({ kind: z.literal('cleared') }),
]);
export type HarnessFrame = z.infer<typeof HarnessFrame>;
