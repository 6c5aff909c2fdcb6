import { createHash, timingSafeEqual } from 'node:crypto';

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearer(header: string | undefined | null): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
}

/** Compares two secrets in time independent of where they differ (the length still shows). */
export function tokenEquals(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether `token` hashes to `sha256Hex`, compared in constant time. A server that holds only the
 * digest can check a key without being able to hand it to anyone.
 */
export function tokenMatchesDigest(token: string | undefined, sha256Hex: string | null): boolean {
  if (!token || !sha256Hex) return false;
  const given = createHash('sha256').update(token).digest();
  const want = Buffer.from(sha256Hex, 'hex');
  return want.length === given.length && timingSafeEqual(given, want);
}
