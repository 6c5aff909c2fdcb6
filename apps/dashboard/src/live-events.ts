import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { EventFrame, type HiveEvent } from '@hive/protocol';
import { backoffDelay } from './backoff.js';

/** `connecting` before the first open, `live` while open, `reconnecting` while waiting to retry. */
export type LinkStatus = 'connecting' | 'live' | 'reconnecting';

export interface LiveEventsOptions {
  /** Every event frame, in order. */
  onEvent(event: HiveEvent): void;
  /** After each (re)connect: the daemon's newest event id, so the host can catch up on what it missed. */
  onHello(lastEventId: number): void;
  /** Newest event id the host has; the daemon replays everything after it on reconnect. */
  lastEventId(): number;
}

/**
 * The daemon's live event socket as a Lit controller: opened when the host
 * connects, closed when it disconnects, reconnecting with backoff in between.
 * No polling: while the socket is up, events are the only trigger.
 */
export class LiveEventsController implements ReactiveController {
  status: LinkStatus = 'connecting';
  /** When `reconnecting`: epoch ms of the next attempt, for the countdown. */
  retryAt = 0;
  private ws: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private stopped = true;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly opts: LiveEventsOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.stopped = false;
    this.open();
  }

  /** Opens the socket now (e.g. right after a login), instead of at the next backoff step. */
  reconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return;
    this.attempt = 0;
    this.open();
  }

  hostDisconnected(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close();
    this.ws = null;
  }

  private open(): void {
    const url = new URL('/api/events/ws', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const after = this.opts.lastEventId();
    if (after > 0) url.searchParams.set('after', String(after));
    // The session cookie goes with the upgrade (same origin): no credential in the URL.
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.set('live');
    };
    ws.onmessage = (m) => {
      let frame: EventFrame;
      try {
        frame = EventFrame.parse(JSON.parse(String(m.data)));
      } catch (e) {
        console.warn('hive: dropped a malformed event frame', e);
        return;
      }
      if (frame.kind === 'hello') this.opts.onHello(frame.last_event_id);
      else this.opts.onEvent(frame.event);
    };
    ws.onclose = () => {
      if (this.ws !== ws || this.stopped) return;
      this.ws = null;
      const delay = backoffDelay(this.attempt++);
      this.retryAt = Date.now() + delay;
      this.set('reconnecting');
      this.timer = setTimeout(() => this.open(), delay);
    };
  }

  private set(status: LinkStatus): void {
    this.status = status;
    this.host.requestUpdate();
  }
}
