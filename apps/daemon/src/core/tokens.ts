import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { tokenEquals } from '@hive/http-edge';

/** Per-agent tokens live in `state/<n>/token` (0600): the harness reads its own, the daemon maps them back. */
export class AgentTokens {
  private byToken = new Map<string, string>();

  constructor(private stateRoot: string) {}

  file(name: string): string {
    return path.join(this.stateRoot, name, 'token');
  }

  /** Returns the agent's token, creating it on first use. */
  ensure(name: string): string {
    const f = this.file(name);
    let token: string;
    if (existsSync(f)) token = readFileSync(f, 'utf8').trim();
    else {
      mkdirSync(path.dirname(f), { recursive: true, mode: 0o700 });
      token = randomBytes(24).toString('hex');
      writeFileSync(f, token + '\n', { mode: 0o600 });
    }
    chmodSync(f, 0o600);
    this.byToken.set(token, name);
    return token;
  }

  forget(name: string): void {
    for (const [t, n] of this.byToken) if (n === name) this.byToken.delete(t);
  }

  /** The agent a bearer token belongs to, or null. */
  agentFor(token: string | undefined): string | null {
    if (!token) return null;
    for (const [t, n] of this.byToken) if (tokenEquals(token, t)) return n;
    return null;
  }
}
