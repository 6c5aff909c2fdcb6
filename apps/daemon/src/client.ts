import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A small client for the daemon's HTTP API, used by the CLI (and usable by scripts). */
export class HiveClientError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class HiveClient {
  constructor(
    readonly baseUrl: string,
    private operatorToken?: string,
  ) {}

  async request<T = unknown>(method: string, path: string, o: { body?: unknown; token?: string } = {}): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const token = o.token ?? this.operatorToken;
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers,
        body: method === 'GET' ? undefined : JSON.stringify(o.body ?? {}),
      });
    } catch (e) {
      throw new HiveClientError(`cannot reach the daemon at ${this.baseUrl}: start it with \`hive up\` or set HIVE_URL (${(e as Error).cause ?? (e as Error).message})`, 0);
    }
    const text = await res.text();
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    if (!res.ok) {
      const msg = (data as { error?: string })?.error ?? `HTTP ${res.status}`;
      throw new HiveClientError(msg, res.status);
    }
    return data as T;
  }
}

/**
 * The operator token for the CLI: `HIVE_TOKEN` (or `HIVE_OPERATOR_TOKEN`), else the
 * `operator-token` file of the state dir (`--state`, `HIVE_STATE_DIR`, the default).
 */
export function findOperatorToken(env: NodeJS.ProcessEnv, stateDir: string): string {
  const fromEnv = env.HIVE_TOKEN || env.HIVE_OPERATOR_TOKEN;
  if (fromEnv) return fromEnv.trim();
  if (env.HIVE_OPERATOR_TOKEN_FILE) return readToken(env.HIVE_OPERATOR_TOKEN_FILE, 'HIVE_OPERATOR_TOKEN_FILE');
  return readToken(path.join(stateDir, 'operator-token'), 'the state dir');
}

function readToken(file: string, from: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message;
    throw new HiveClientError(
      `no operator token: ${file} (${from}) ${why} — pass --state DIR of the running daemon, or set HIVE_TOKEN`,
      0,
    );
  }
}
