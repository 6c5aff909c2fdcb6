import type { EventType, HiveEvent } from '@hive/protocol';
import type { Store } from '../store.js';

type Listener = (event: HiveEvent) => void;

/** Persists every event first, then fans it out (WebSocket clients, agent inboxes). */
export class EventBus {
  private listeners = new Set<Listener>();

  constructor(private store: Store) {}

  emit(type: EventType, agent: string | null, data: Record<string, unknown>): HiveEvent {
    const event = this.store.insertEvent(type, agent, data);
    for (const l of this.listeners) {
      try {
        l(event);
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
