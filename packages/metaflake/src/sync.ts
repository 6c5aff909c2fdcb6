import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NixError } from '@hive/core';
import { git } from '@hive/gitops';
import { AppliedRepoMissingError } from './errors.js';
import { inputNode, parseLock, readText, rootInputs, type FlakeLock } from './lock.js';
import { agentInput, appliedUrl, checkDir, checkRenderOptions, checkSpecs, type AgentSpec, type MetaOptions } from './options.js';
import { renderMetaFlake } from './render.js';
import { FLAKE, LOCK, commitMeta, ensureMetaRepo, nixLock, resolveCommit, restoreHead, showAt } from './repo.js';

/**
 * Brings the meta repo to the rendered flake for `agents`, locked and committed ("sync agents: a, b").
 * Idempotent: when main already has this flake.nix and a lock with every input, no nix call and no commit.
 * Side changes are dropped first (dirty tree reset to main; a broken or diverged main is re-rendered and committed).
 */
export async function syncAgents(o: MetaOptions & { agents: AgentSpec[] }): Promise<{ changed: boolean; sha: string }> {
  // Everything is validated before the first write.
  const metaDir = checkDir('metaDir', o?.metaDir);
  const text = renderMetaFlake(o.agents, o);
  const specs = checkSpecs(o.agents);
  const { appliedRoot, hyperhiveUrl } = checkRenderOptions(o);
  const expected = new Map<string, string>([['hyperhive', hyperhiveUrl]]);
  for (const a of specs) expected.set(agentInput(a.name), appliedUrl(appliedRoot, a.name));

  await ensureMetaRepo(metaDir);
  const head = await restoreHead(metaDir);
  if (head && (await showAt(metaDir, head, FLAKE)) === text) {
    if (lockCovers(parseLock(await showAt(metaDir, head, LOCK)), expected)) return { changed: false, sha: head };
  }
  try {
    await writeFile(path.join(metaDir, FLAKE), text);
    await lockFresh(metaDir, () => missingApplied(appliedRoot, specs));
    const names = specs.map((a) => a.name).join(', ') || '(none)';
    return await commitMeta(metaDir, { files: [FLAKE, LOCK], message: `sync agents: ${names}`, parent: head });
  } catch (e) {
    await restoreHead(metaDir).catch(() => undefined);
    throw e;
  }
}

/**
 * Locks the working tree's flake.nix. An unusable lock (garbage, or pins that no longer fetch) is
 * relocked from scratch; a missing applied repo is named instead of nix's bare git failure.
 */
async function lockFresh(metaDir: string, missing: () => Promise<string[]>): Promise<void> {
  const lockFile = path.join(metaDir, LOCK);
  if (!parseLock(await readText(lockFile))) await rm(lockFile, { force: true });
  await stage(metaDir);
  try {
    await nixLock(metaDir);
  } catch (e) {
    if (!(e instanceof NixError)) throw e;
    const absent = await missing();
    if (absent.length) throw new AppliedRepoMissingError(absent, { cause: e });
    if ((await readText(lockFile)) === null) throw e;
    await rm(lockFile, { force: true });
    await stage(metaDir);
    await nixLock(metaDir);
  }
}

async function missingApplied(appliedRoot: string, specs: AgentSpec[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of specs) {
    const repo = path.join(appliedRoot, a.name);
    if (!existsSync(path.join(repo, '.git')) || !(await resolveCommit(repo, 'refs/heads/main'))) out.push(a.name);
  }
  return out;
}

/** Stages flake.nix and the lock as they are on disk: nix only sees tracked files of a git flake. */
async function stage(metaDir: string): Promise<void> {
  const hasLock = (await readText(path.join(metaDir, LOCK))) !== null;
  await git(metaDir, ['add', '--', FLAKE, ...(hasLock ? [LOCK] : [])]);
  if (!hasLock) await git(metaDir, ['rm', '-q', '--cached', '--ignore-unmatch', '--', LOCK]);
}

/** True when the lock has exactly the expected root inputs, each locked and from the URL flake.nix names. */
function lockCovers(lock: FlakeLock | null, expected: Map<string, string>): boolean {
  if (!lock) return false;
  const want = [...expected.keys(), 'nixpkgs'].sort();
  const have = rootInputs(lock);
  if (want.join(' ') !== have.join(' ')) return false;
  const follows = lock.nodes[lock.root]?.inputs?.nixpkgs;
  if (!Array.isArray(follows) || follows.join('/') !== 'hyperhive/nixpkgs') return false;
  for (const [input, url] of expected) {
    const node = inputNode(lock, input);
    if (!node?.locked?.narHash) return false;
    const original = gitFileOriginal(url);
    if (original && !sameAttrs(original, node.original ?? {})) return false;
  }
  return true;
}

/** How nix records `git+file://…?ref=&rev=` as a lock node's `original`; null for URLs not checked here. */
function gitFileOriginal(url: string): Record<string, string> | null {
  const m = /^git\+(file:\/\/[^?#]*)(?:\?([^#]*))?$/.exec(url);
  if (!m) return null;
  const out: Record<string, string> = { type: 'git', url: m[1]! };
  for (const [k, v] of new URLSearchParams(m[2] ?? '')) {
    if (k !== 'ref' && k !== 'rev') return null;
    out[k] = v;
  }
  return out;
}

function sameAttrs(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.join(' ') === kb.join(' ') && ka.every((k) => a[k] === b[k]);
}
