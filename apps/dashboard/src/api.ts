import { Approval, ApprovalDiff, AuditEntry, HiveEvent, HiveState } from '@hive/protocol';

/** A refusal or failure from the daemon; `message` is the daemon's own one-line text. */
export class DaemonError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'DaemonError';
  }
}

type Method = 'GET' | 'POST' | 'DELETE';

/**
 * The operator token from the login link `hive up` prints (`/#token=…`: a fragment never
 * reaches a server log), taken out of the address bar at once. The page trades it for an
 * HttpOnly session cookie and never stores it.
 */
export function takeLinkToken(): string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m?.[1]) return null;
  history.replaceState(null, '', location.pathname + location.search);
  return decodeURIComponent(m[1]);
}

// Relative URLs: the daemon serves this page on the same origin as its API.
async function call(method: Method, path: string, body?: unknown): Promise<unknown> {
  // Same origin: the session cookie rides along; the page holds no credential itself.
  const init: RequestInit = { method, headers: { accept: 'application/json' }, credentials: 'same-origin' };
  if (method !== 'GET') {
    // The daemon refuses mutations without the JSON content type (CSRF), even when there is nothing to send.
    init.headers = { ...init.headers, 'content-type': 'application/json' };
    init.body = JSON.stringify(body ?? {});
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new DaemonError(`daemon unreachable: ${(e as Error).message}`, 0);
  }
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    /* non-JSON answer: handled below */
  }
  if (!res.ok) {
    const err = (json as { error?: unknown } | undefined)?.error;
    throw new DaemonError(typeof err === 'string' ? err : `${res.status} ${res.statusText || 'error'}`, res.status);
  }
  return json;
}

/** Parses with a shared schema; a mismatch is one readable line naming the first bad field. */
function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, what: string, v: unknown): T {
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue ? issue.path.map(String).join('.') || '(root)' : '?';
  throw new DaemonError(`${what} did not match the schema at ${where}: ${issue?.message ?? 'invalid'}`, 0);
}

const enc = encodeURIComponent;
const EventList = HiveEvent.array();
const AuditList = AuditEntry.array();

/** The operator API of SPEC §8, as used by the dashboard. */
export const api = {
  /** Trades the operator token for a session cookie. */
  login: (token: string) => call('POST', '/api/login', { token }),
  audit: async (limit = 100): Promise<AuditEntry[]> => {
    const r = (await call('GET', `/api/audit?limit=${limit}`)) as { audit?: unknown } | undefined;
    return parse(AuditList, 'audit', r?.audit);
  },
  state: async (): Promise<HiveState> => parse(HiveState, 'state', await call('GET', '/api/state')),
  events: async (limit = 200): Promise<HiveEvent[]> => {
    const r = (await call('GET', `/api/events?limit=${limit}`)) as { events?: unknown } | undefined;
    return parse(EventList, 'events', r?.events);
  },
  diff: async (id: number): Promise<ApprovalDiff> => parse(ApprovalDiff, 'diff', await call('GET', `/api/approvals/${id}/diff`)),
  spawn: (name: string) => call('POST', '/api/agents', { name }),
  rebuild: (name: string) => call('POST', `/api/agents/${enc(name)}/rebuild`),
  destroy: (name: string, purge: boolean) => call('DELETE', `/api/agents/${enc(name)}${purge ? '?purge=1' : ''}`),
  approve: async (id: number): Promise<Approval | null> => {
    const r = (await call('POST', `/api/approvals/${id}/approve`)) as { approval?: unknown } | undefined;
    return r?.approval === undefined ? null : parse(Approval, 'approval', r.approval);
  },
  deny: (id: number, reason: string) => call('POST', `/api/approvals/${id}/deny`, { reason }),
  answer: (id: number, answer: string) => call('POST', `/api/questions/${id}/answer`, { answer }),
  rollback: async (agent: string, to: string): Promise<Approval | null> => {
    const r = (await call('POST', `/api/agents/${enc(agent)}/rollback`, { to })) as { approval?: unknown } | undefined;
    return r?.approval === undefined ? null : parse(Approval, 'approval', r.approval);
  },
  freeze: (reason: string) => call('POST', '/api/freeze', reason ? { reason } : {}),
  thaw: () => call('POST', '/api/thaw'),
};
