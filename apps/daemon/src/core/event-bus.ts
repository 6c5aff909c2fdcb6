import { EventData, type EventDataOf, type EventType, type HiveEventOf, type TypedHiveEvent } from '@hive/protocol';
import type { z } from 'zod';
import type { Store } from '../store.js';

type Listener = (event: TypedHiveEvent) => void;

/** Persists every event first, then fans it out (WebSocket clients, agent inboxes). */
export class EventBus {
  private listeners = new Set<Listener>();

  constructor(private store: Store) {}

  /** Checks `data` against its type's schema first, so an emitter that drifts fails loudly, not the readers. */
  emit<T extends EventType>(type: T, agent: string | null, data: EventDataOf<T>): HiveEventOf<T> {
    const schema: z.ZodType = EventData[type];
    const r = schema.safeParse(data);
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw new Error(`event ${type}: data.${i.path.join('.') || '(root)'}: ${i.message}; fix the emitter or EventData.${type} in @hive/protocol`);
    }
    const event = this.store.insertEvent(type, agent, r.data as EventDataOf<T>);
    for (const l of this.listeners) {
      try {
        l(event as TypedHiveEvent);
      } catch {
        // A broken listener must not stop the others or the caller.
      }
    }
    return event;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
