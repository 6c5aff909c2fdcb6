import { ErrorBody } from '@hive/protocol';
import { AgentApiError } from './errors.js';

/** A held turn slot: `release` closes the connection that is the lease (idempotent). */
export interface TurnSlotLease {
  release(): void;
}

/** One line of the daemon's `turn_slot` stream. */
interface SlotLine {
  queued?: boolean;
  position?: number;
  granted?: boolean;
}

export interface AgentApiOptions {
  /** The daemon's base URL, e.g. `http://127.0.0.1:7777`. */
  daemonUrl: string;
  /** This agent's token. */
  token: string;
  /** Per-request timeout. */
  timeoutMs?: number;
}

/** The daemon's agent API (`/api/agent/*`), called with this agent's bearer token. */
export class AgentApiClient {
  constructor(private readonly o: AgentApiOptions) {}

  /** POSTs a JSON body to `/api/agent/<tool>`; throws AgentApiError with the daemon's one-line error. */
  async call(tool: string, body: Record<string, unknown>): Promise<unknown> {
    const path = `/api/agent/${tool}`;
    let res: Response;
    try {
      res = await fetch(`${this.o.daemonUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.o.token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new AgentApiError(path, 502, `daemon unreachable at ${this.o.daemonUrl}: ${(err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? (JSON.parse(text) as unknown) : null;
    } catch {
      // fall through: a non-JSON body is reported below
    }
    if (!res.ok) {
      const e = ErrorBody.safeParse(json);
      throw new AgentApiError(path, res.status, e.success ? e.data.error : `daemon answered ${res.status}`);
    }
    return json;
  }

  /** Best effort: POSTs a report (turn usage, activity) and logs instead of throwing; the turn loop never waits on the daemon's health. */
  async report(tool: 'turn_report' | 'activity', body: Record<string, unknown>, warn: (message: string) => void): Promise<boolean> {
    try {
      await this.call(tool, body);
      return true;
    } catch (err) {
      warn(`${tool} not delivered: ${(err as Error).message}`);
      return false;
    }
  }

  /**
   * Waits for one of the hive's turn slots (`POST /api/agent/turn_slot`) and holds it while the
   * lease is open: the connection is the lease, so the daemon frees the slot when it closes and a
   * harness that dies mid-turn cannot keep one. `onQueued` runs when the daemon says we wait.
   * Null when the daemon has no slots (404: an older daemon); an abort of `signal` rejects.
   */
  async holdTurnSlot(o: { signal: AbortSignal; onQueued?: (position: number) => void }): Promise<TurnSlotLease | null> {
    const path = '/api/agent/turn_slot';
    const lease = new AbortController();
    let res: Response;
    try {
      res = await fetch(`${this.o.daemonUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.o.token}` },
        body: '{}',
        signal: AbortSignal.any([lease.signal, o.signal]),
      });
    } catch (err) {
      if (o.signal.aborted) throw o.signal.reason;
      throw new AgentApiError(path, 502, `daemon unreachable at ${this.o.daemonUrl}: ${(err as Error).message}`, { cause: err });
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok || !res.body) {
      const e = ErrorBody.safeParse(await res.json().catch(() => null));
      throw new AgentApiError(path, res.status, e.success ? e.data.error : `daemon answered ${res.status}`);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new AgentApiError(path, 502, 'the daemon closed the turn slot request before granting a slot');
        buffered += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = JSON.parse(buffered.slice(0, nl)) as SlotLine;
          buffered = buffered.slice(nl + 1);
          if (line.queued) o.onQueued?.(line.position ?? 0);
          if (!line.granted) continue;
          // Keep reading the daemon's heartbeats so the connection stays live until release.
          void (async () => {
            while (!(await reader.read()).done);
          })().catch(() => {});
          return { release: () => lease.abort() };
        }
      }
    } catch (err) {
      lease.abort();
      if (o.signal.aborted) throw o.signal.reason;
      if (err instanceof AgentApiError) throw err;
      throw new AgentApiError(path, 502, `turn slot request failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
