import { InvalidRefError, InvalidShaError } from './errors.js';

const HEX = /^[0-9a-f]{4,64}$/i;

/** True for a full or abbreviated hex object name (4–64 digits). */
export function isHexSha(value: string): boolean {
  return HEX.test(value);
}

/** Refuses anything but hex before git sees it, so `--upload-pack=…` can never become an option. */
export function assertSha(value: string): string {
  if (typeof value !== 'string' || !HEX.test(value)) throw new InvalidShaError(String(value));
  return value.toLowerCase();
}

/** A revision argument (sha, tag, `refs/...`): never option-like, never empty, no control characters. */
export function assertRev(value: string, what = 'ref'): string {
  if (typeof value !== 'string' || value === '' || value.startsWith('-') || /[\0-\x20\x7f]/.test(value)) {
    throw new InvalidRefError(what, String(value), 'a ref or sha that does not start with "-"');
  }
  return value;
}

/** A full ref name (`refs/...`) that git would accept; a bare name would land in .git/ as a file. */
export function assertFullRef(value: string): string {
  assertRev(value);
  if (!value.startsWith('refs/') || !isValidRefName(value)) {
    throw new InvalidRefError('ref', value, 'a full ref name such as refs/heads/main');
  }
  return value;
}

/** A tag name: the rules of `git check-ref-format`, and never option-like. */
export function assertTagName(name: string): string {
  if (typeof name !== 'string' || name.startsWith('-') || !isValidRefName(name)) {
    throw new InvalidRefError('tag name', String(name), 'a valid ref name such as proposal/3 (no leading "-")');
  }
  return name;
}

// The rules of git-check-ref-format(1), checked here so a bad name fails before any process runs.
function isValidRefName(name: string): boolean {
  if (name === '' || name === '@' || name.endsWith('/') || name.endsWith('.')) return false;
  if (/[\0-\x20\x7f~^:?*[\\]/.test(name) || name.includes('..') || name.includes('@{') || name.includes('//')) {
    return false;
  }
  return name.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'));
}
