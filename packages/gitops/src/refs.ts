import { InvalidRefError, InvalidShaError } from './errors.js';

// Full object names only (sha1 or sha256): a prefix could be guessed against objects a repo
// borrows from elsewhere, and would name something else once the repo grows.
const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/** True for a full hex object name (40 or 64 digits). */
export function isFullSha(value: string): boolean {
  return typeof value === 'string' && FULL_SHA.test(value);
}

/** Refuses anything but a full hex sha before git sees it (InvalidShaError), so `--upload-pack=…` never becomes an option. */
export function assertSha(value: string): string {
  if (!isFullSha(value)) throw new InvalidShaError(String(value));
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
