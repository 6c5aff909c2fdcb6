import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { HarnessFrame } from '@hive/protocol';
import { PageState } from './api.js';

/** A socket frame as the page uses it: `state` carries the usage fields HarnessFrame's schema would strip. */
export type PageFrame = Exclude<HarnessFrame, { kind: 'state' }> | { kind: 'state'; state: PageState };

function pageFrame(raw: unknown): PageFrame | null {
  const r = HarnessFrame.safeParse(raw);
  if (!r.success) return null;
  if (r.data.kind !== 'state') return r.data;
  const s = PageState.safeParse((raw as { state?: unknown }).state);
  return s.success ? { kind: 'state', state: s.data } : null;
}

/** The live socket `/api/ws`: opened when the host connects, closed when it disconnects, reconnecting with backoff. */
export class SocketController implements ReactiveController {
  connected = false;
  #ws: WebSocket | null = null;
  #retry = 500;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly onFrame: (frame: PageFrame) => void,
    private readonly onOpen: () => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.#closed = false;
    this.#open();
  }

  hostDisconnected(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#ws?.close();
    this.#ws = null;
  }

  #open(): void {
    const url = new URL('api/ws', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    this.#ws = ws;
    ws.onopen = () => {
      this.connected = true;
      this.#retry = 500;
      this.onOpen();
      this.host.requestUpdate();
    };
    ws.onmessage = (msg) => {
      let raw: unknown;
      try {
        raw = JSON.parse(String(msg.data));
      } catch {
        return;
      }
      const frame = pageFrame(raw);
      if (frame) this.onFrame(frame);
    };
    ws.onclose = () => {
      this.connected = false;
      this.host.requestUpdate();
      if (this.#closed) return;
      this.#timer = setTimeout(() => this.#open(), this.#retry);
      this.#retry = Math.min(this.#retry * 2, 8000);
    };
  }
}
