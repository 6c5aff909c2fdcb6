import { bearer, tokenMatchesDigest } from '@hive/http-edge';

/**
 * Whether an `Authorization: Bearer <key>` header carries the daemon's key for this agent.
 * The harness holds only the key's sha256 (`HIVE_DAEMON_KEY_SHA256`): its agent can read
 * that, but cannot turn it back into a key another harness would take.
 */
export function daemonKeyMatches(header: string | undefined, keySha256: string | null): boolean {
  const key = bearer(header);
  // The daemon's keys are 16–512 characters: nothing else is worth hashing.
  return key !== undefined && key.length >= 16 && key.length <= 512 && tokenMatchesDigest(key, keySha256);
}
