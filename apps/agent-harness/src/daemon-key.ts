import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an `Authorization: Bearer <key>` header carries the daemon's key for this agent.
 * The harness holds only the key's sha256 (`HIVE_DAEMON_KEY_SHA256`): its agent can read
 * that, but cannot turn it back into a key another harness would take.
 */
export function daemonKeyMatches(header: string | undefined, keySha256: string | null): boolean {
  if (!keySha256) return false;
  const m = /^Bearer\s+(\S{16,512})$/i.exec(header ?? '');
  if (!m) return false;
  const given = createHash('sha256').update(m[1]!).digest();
  const want = Buffer.from(keySha256, 'hex');
  return want.length === given.length && timingSafeEqual(given, want);
}
