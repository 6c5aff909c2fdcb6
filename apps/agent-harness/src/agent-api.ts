import http, { type IncomingMessage } from 'node:http';
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

/**
 * POSTs `body` and resolves with the response (body unread). node:http, not fetch: the server
 * already loaded it, while fetch pulls in undici and its wasm parser — 5–10 MB in every idle harness.
 */
function post(url: string, headers: Record<string, string>, body: string, o: { signal?: AbortSignal; timeoutMs?: number }): Promise<{ req: http.ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    if (u.protocol !== 'http:') return reject(new Error(`only http:// daemon URLs are supported, got ${u.protocol}`));
    const req = http.request(u, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, signal: o.signal, agent: false });
    // Until the response starts; a held lease stays open as long as the turn runs.
    const timer = o.timeoutMs ? setTimeout(() => req.destroy(new Error(`no answer in ${o.timeoutMs} ms`)), o.timeoutMs) : null;
    req.once('response', (res) => {
      if (timer) clearTimeout(timer);
      resolve({ req, res });
    });
    req.once('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}

async function readText(res: IncomingMessage): Promise<string> {
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) text += chunk as string;
  return text;
}

/** The daemon's agent API (`/api/agent/*`), called with this agent's bearer token. */
export class AgentApiClient {
  constructor(private readonly o: AgentApiOptions) {}

  get #headers(): Record<string, string> {
    return { 'content-type': 'application/json', authorization: `Bearer ${this.o.token}` };
  }

  /** POSTs a JSON body to `/api/agent/<tool>`; throws AgentApiError with the daemon's one-line error. */
  async call(tool: string, body: Record<string, unknown>): Promise<unknown> {
    const path = `/api/agent/${tool}`;
    let status: number;
    let text: string;
    try {
      const { res } = await post(`${this.o.daemonUrl}${path}`, this.#headers, JSON.stringify(body), { timeoutMs: this.o.timeoutMs ?? 30_000 });
      status = res.statusCode ?? 0;
      text = await readText(res);
    } catch (err) {
      throw new AgentApiError(path, 502, `daemon unreachable at ${this.o.daemonUrl}: ${(err as Error).message}`, { cause: err });
    }
    let json: unknown = null;
    try {
      json = text ? (JSON.parse(text) as unknown) : null;
    } catch {
      // fall through: a non-JSON body is reported below
    }
    if (status < 200 || status >= 300) {
      const e = ErrorBody.safeParse(json);
      throw new AgentApiError(path, status, e.success ? e.data.error : `daemon answered ${status}`);
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
    let req: http.ClientRequest;
    let res: IncomingMessage;
    try {
      ({ req, res } = await post(`${this.o.daemonUrl}${path}`, this.#headers, '{}', { signal: o.signal, timeoutMs: this.o.timeoutMs ?? 30_000 }));
    } catch (err) {
      if (o.signal.aborted) throw o.signal.reason;
      throw new AgentApiError(path, 502, `daemon unreachable at ${this.o.daemonUrl}: ${(err as Error).message}`, { cause: err });
    }
    const status = res.statusCode ?? 0;
    if (status === 404) {
      res.resume();
      return null;
    }
    if (status !== 200) {
      const e = ErrorBody.safeParse(await readText(res).then((t) => JSON.parse(t) as unknown).catch(() => null));
      throw new AgentApiError(path, status, e.success ? e.data.error : `daemon answered ${status}`);
    }
    const release = () => req.destroy();
    // A destroyed lease errors its response; that is how it ends, not a fault.
    res.on('error', () => {});
    try {
      return await new Promise<TurnSlotLease>((resolve, reject) => {
        let buffered = '';
        res.setEncoding('utf8');
        // Listeners, not for-await: leaving a for-await loop would destroy the stream, and the lease with it.
        const onData = (chunk: string) => {
          buffered += chunk;
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = JSON.parse(buffered.slice(0, nl)) as SlotLine;
            buffered = buffered.slice(nl + 1);
            if (line.queued) o.onQueued?.(line.position ?? 0);
            if (line.granted) {
              // From here on only heartbeats: read and drop them so the connection stays live.
              res.off('data', onData);
              res.on('data', () => {});
              return resolve({ release });
            }
          }
        };
        res.on('data', (chunk: string) => {
          try {
            onData(chunk);
          } catch (err) {
            reject(err as Error);
          }
        });
        res.once('end', () => reject(new AgentApiError(path, 502, 'the daemon closed the turn slot request before granting a slot')));
        res.once('close', () => reject(new AgentApiError(path, 502, 'the turn slot connection closed before a slot was granted')));
      });
    } catch (err) {
      release();
      if (o.signal.aborted) throw o.signal.reason;
      if (err instanceof AgentApiError) throw err;
      throw new AgentApiError(path, 502, `turn slot request failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
