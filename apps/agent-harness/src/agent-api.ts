import { ErrorBody } from '@hive/protocol';
import { AgentApiError } from './errors.js';

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
}
