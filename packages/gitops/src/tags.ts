import { InvalidRefError, TagExistsError } from './errors.js';
import { git, runGit } from './git.js';
import { assertTagName } from './refs.js';
import { revParse } from './repo.js';

/** True when refs/tags/<name> exists. */
export async function tagExists(repo: string, name: string): Promise<boolean> {
  assertTagName(name);
  const r = await runGit(repo, ['rev-parse', '--verify', '--quiet', `refs/tags/${name}`], { allowFailure: true });
  return r.exitCode === 0;
}

/** Plants a lightweight tag at the commit `sha` names; TagExistsError when the name is taken. */
export async function tag(repo: string, name: string, sha: string): Promise<void> {
  assertTagName(name);
  const target = await revParse(repo, sha);
  if (await tagExists(repo, name)) throw new TagExistsError(name, repo);
  await git(repo, ['tag', '--no-sign', '--', name, target]);
}

/** Plants an annotated tag carrying `message` (sent on stdin, kept verbatim apart from trailing blanks). */
export async function tagAnnotated(repo: string, name: string, sha: string, message: string): Promise<void> {
  assertTagName(name);
  const target = await revParse(repo, sha);
  if (await tagExists(repo, name)) throw new TagExistsError(name, repo);
  // --cleanup=whitespace keeps lines starting with "#", which build errors may well contain.
  await git(repo, ['tag', '-a', '--no-sign', '--cleanup=whitespace', '-F', '-', '--', name, target], {
    input: tagBody(message),
  });
}

/** The message of an annotated tag; null for a lightweight or absent one. */
export async function readTagMessage(repo: string, name: string): Promise<string | null> {
  assertTagName(name);
  const ref = `refs/tags/${name}`;
  const type = await runGit(repo, ['cat-file', '-t', ref], { allowFailure: true });
  if (type.exitCode !== 0 || type.stdout.trim() !== 'tag') return null;
  const raw = (await runGit(repo, ['cat-file', 'tag', ref])).stdout;
  const body = raw.slice(raw.indexOf('\n\n') + 2);
  return body.replace(/\n+$/, '');
}

/** Tag names matching a glob (`proposal/*`), in version order (proposal/2 before proposal/10). */
export async function listTags(repo: string, pattern: string): Promise<string[]> {
  if (!pattern || pattern.startsWith('-')) throw new InvalidRefError('tag pattern', pattern, 'a glob such as proposal/*');
  const out = await git(repo, ['tag', '--list', '--sort=version:refname', '--', pattern]);
  return out ? out.split('\n') : [];
}

/** A tag body git will accept: no NULs, never empty. */
export function tagBody(message: string): string {
  const clean = message.replace(/\0/g, '').trim();
  return (clean || '(no message)') + '\n';
}
