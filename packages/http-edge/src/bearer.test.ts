import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bearer, tokenEquals, tokenMatchesDigest } from './bearer.js';

describe('bearer', () => {
  it('reads the token of a Bearer header, whatever the scheme case', () => {
    expect(bearer('Bearer abc123')).toBe('abc123');
    expect(bearer('bearer   abc123')).toBe('abc123');
  });

  it('reads nothing from other schemes, empty tokens or tokens with spaces', () => {
    for (const h of [undefined, null, '', 'Basic abc', 'Bearer', 'Bearer ', 'Bearer a b', 'abc123']) expect(bearer(h), String(h)).toBeUndefined();
  });
});

describe('tokenEquals', () => {
  it('is true only for the same secret', () => {
    expect(tokenEquals('s3cret-token', 's3cret-token')).toBe(true);
    expect(tokenEquals('s3cret-tokem', 's3cret-token')).toBe(false);
    expect(tokenEquals('s3cret', 's3cret-token')).toBe(false);
    expect(tokenEquals('', 's3cret-token')).toBe(false);
  });
});

describe('tokenMatchesDigest', () => {
  const key = 'daemon-key-0123456789abcdef';
  const digest = createHash('sha256').update(key).digest('hex');

  it('takes the key whose sha256 is the digest', () => {
    expect(tokenMatchesDigest(key, digest)).toBe(true);
  });

  it('refuses the digest itself, another key, no key and no digest', () => {
    expect(tokenMatchesDigest(digest, digest)).toBe(false);
    expect(tokenMatchesDigest(key + 'x', digest)).toBe(false);
    expect(tokenMatchesDigest(undefined, digest)).toBe(false);
    expect(tokenMatchesDigest(key, null)).toBe(false);
    expect(tokenMatchesDigest(key, 'not-hex')).toBe(false);
  });
});
