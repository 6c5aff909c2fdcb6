import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { HarnessFrame } from '@hive/protocol';

/** The live socket `/api/ws`: opened when the host connects, closed when it disconnects, reconnecting with backoff. */
export class SocketController implements ReactiveController {
  connected = false;
  #ws: WebSocket | null = null;
  #retry = 500;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly onFrame: (frame: HarnessFrame) => void,
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
      const r = HarnessFrame.safeParse(raw);
      if (r.success) this.onFrame(r.data);
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
