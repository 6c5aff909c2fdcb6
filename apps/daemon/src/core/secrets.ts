import { createHash, createHmac, randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { HiveError } from '@hive/core';
import { tokenEquals } from '@hive/http-edge';

export class SecretFileError extends HiveError {
  readonly code = 'SECRET_FILE';
}

/**
 * Reads a 0600 secret under the state root, creating it on first use. lstat first and
 * O_NOFOLLOW: a symlink planted in its place is refused, never followed.
 */
export function ensureSecretFile(file: string, bytes = 32): string {
  const st = lstatOrNull(file);
  if (st && !st.isFile()) throw new SecretFileError(`${file} is not a regular file: remove it and restart (a new one is generated)`);
  if (!st) {
    try {
      const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      writeSync(fd, randomBytes(bytes).toString('hex') + '\n');
      closeSync(fd);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // a second daemon won the race: read its file
    }
  }
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if ((fstatSync(fd).mode & 0o077) !== 0) throw new SecretFileError(`${file} is readable by others: chmod 600 ${file}`);
    const value = readFileSync(fd, 'utf8').trim();
    if (value.length < 16) throw new SecretFileError(`${file} holds no usable secret: remove it and restart`);
    return value;
  } finally {
    closeSync(fd);
  }
}

function lstatOrNull(file: string) {
  try {
    return lstatSync(file);
  } catch {
    return null;
  }
}

export const sha256hex = (s: string): string => createHash('sha256').update(s).digest('hex');
const hmac = (key: string, msg: string): string => createHmac('sha256', key).update(msg).digest('hex');

const SESSION_DAYS = 30;

/**
 * The operator's credential: a token (bearer, for the CLI and scripts) and browser
 * sessions derived from it (HMAC'd cookies, so they survive a daemon restart and all
 * die when the token changes).
 */
export class OperatorAuth {
  readonly token: string;
  /** Where the token lives, or null when it came from the environment. */
  readonly file: string | null;

  constructor(o: { stateRoot: string; token?: string }) {
    this.file = o.token ? null : path.join(o.stateRoot, 'operator-token');
    this.token = o.token ?? ensureSecretFile(this.file!);
  }

  /** True for the operator token itself. */
  checkToken(given: string | undefined | null): boolean {
    return Boolean(given) && tokenEquals(given!, this.token);
  }

  /** A new session cookie value: `<expiry>.<hmac>`. */
  newSession(now = Date.now()): { value: string; maxAge: number } {
    const expiry = Math.floor(now / 1000) + SESSION_DAYS * 86400;
    return { value: `${expiry}.${hmac(this.token, `session:${expiry}`)}`, maxAge: SESSION_DAYS * 86400 };
  }

  checkSession(value: string | undefined | null, now = Date.now()): boolean {
    const m = /^(\d{10,12})\.([0-9a-f]{64})$/.exec(value ?? '');
    if (!m) return false;
    if (Number(m[1]) * 1000 < now) return false;
    return tokenEquals(m[2]!, hmac(this.token, `session:${m[1]}`));
  }
}

/**
 * Per-agent keys the daemon uses to talk to a harness (inbox, proxied page). The harness
 * holds only the key's sha256, so an agent that reads its harness's env or state learns
 * nothing it can present to another agent's harness.
 */
export class AgentKeys {
  private readonly secret: string;

  constructor(stateRoot: string) {
    this.secret = ensureSecretFile(path.join(stateRoot, 'daemon-secret'));
  }

  keyFor(name: string): string {
    return hmac(this.secret, `agent-key:${name}`);
  }

  hashFor(name: string): string {
    return sha256hex(this.keyFor(name));
  }
}
