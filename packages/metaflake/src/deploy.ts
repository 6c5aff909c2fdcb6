import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { validateAgentName } from '@hive/core';
import { deployedTag, git } from '@hive/gitops';
import { AgentNotInMetaError, DeployNotPreparedError, InvalidMetaOptionError, UnknownCommitError } from './errors.js';
import { inputNode, lockedRev, parseLock, readText } from './lock.js';
import { agentInput, checkDir, checkSha, type MetaOptions } from './options.js';
import { LOCK, landMetaCommit, metaHead, nixLock, openSyncedMeta, resolveCommit, restoreHead, writeMetaCommit, type MetaCommit } from './repo.js';

/**
 * Phase one of a deploy: locks `agent-<name>` to exactly `sha` in the working tree WITHOUT committing,
 * so the build sees the proposal and an aborted build leaves no orphan commit. The sha may be reachable
 * only through a tag (proposal/<id>); flake.nix is untouched, so it keeps the plain applied URL.
 */
export async function prepareDeploy(o: MetaOptions, d: { name: string; sha: string }): Promise<PreparedDeploy> {
  const metaDir = checkDir('metaDir', o?.metaDir);
  const appliedRoot = checkDir('appliedRoot', o.appliedRoot);
  const name = validateAgentName(d?.name);
  const sha = checkSha(d.sha);
  const repo = path.join(appliedRoot, name);
  const full = existsSync(path.join(repo, '.git')) ? await resolveCommit(repo, sha) : null;
  if (!full || !full.startsWith(sha)) throw new UnknownCommitError(sha, name);
  // Starts from the committed lock: a deploy left pending by a crash is dropped, not folded in.
  const parent = await openSyncedMeta(metaDir);
  const lockFile = path.join(metaDir, LOCK);
  const original = inputNode(parseLock(await readText(lockFile)) ?? emptyLock, agentInput(name))?.original;
  if (!original) throw new AgentNotInMetaError(name);
  try {
    // nix 2.8 archives any commit of a local repo by rev, whatever refs reach it.
    await nixLock(metaDir, ['--override-input', agentInput(name), `git+file://${repo}?ref=main&rev=${full}`]);
    await keepOriginal(lockFile, agentInput(name), original);
    const locked = await lockedRev(metaDir, name);
    if (locked !== full) throw new DeployNotPreparedError(name, full, locked);
  } catch (e) {
    await restoreHead(metaDir).catch(() => undefined);
    throw e;
  }
  return { parent };
}

/** What prepareDeploy leaves for finalizeDeploy: the meta commit the pending lock sits on. */
export interface PreparedDeploy {
  parent: string;
}

/**
 * The deploy's meta commit, `deploy <n> deployed/<id> <sha12>` with the prepared lock, written but
 * not on main: the pipeline writes it while the health gate runs, and finalizeDeploy lands it. An
 * abortDeploy after this drops it (the commit object stays unreachable).
 */
export async function stageDeploy(o: MetaOptions, d: { name: string; id: number; sha: string; prepared?: PreparedDeploy }): Promise<StagedDeploy> {
  const metaDir = checkDir('metaDir', o?.metaDir);
  const name = validateAgentName(d?.name);
  if (!Number.isSafeInteger(d.id) || d.id < 0) throw new InvalidMetaOptionError('id', `${String(d.id)} is not an approval id (an integer ≥ 0)`);
  const sha = checkSha(d.sha);
  // From prepare when the caller held the meta lock since: main's compare-and-swap at landing still guards it.
  const head = d.prepared?.parent ?? (existsSync(path.join(metaDir, '.git')) ? await metaHead(metaDir) : null);
  if (!head) throw new AgentNotInMetaError(null);
  const locked = await lockedRev(metaDir, name);
  if (!locked || !locked.startsWith(sha)) throw new DeployNotPreparedError(name, sha, locked);
  // Empty commits allowed: every deploy shows in `git log /meta`, even one that re-pins the same sha.
  const message = `deploy ${name} ${deployedTag(d.id)} ${locked.slice(0, 12)}`;
  return { commit: (await writeMetaCommit(metaDir, { files: [LOCK], message, parent: head, allowEmpty: true }))! };
}

/** What stageDeploy wrote, for finalizeDeploy. */
export interface StagedDeploy {
  commit: MetaCommit;
}

/** Phase two after a good build: commits the prepared lock as `deploy <n> deployed/<id> <sha12>` (or lands what stageDeploy wrote); returns meta's new HEAD. */
export async function finalizeDeploy(o: MetaOptions, d: { name: string; id: number; sha: string; prepared?: PreparedDeploy; staged?: StagedDeploy }): Promise<string> {
  const metaDir = checkDir('metaDir', o?.metaDir);
  const { commit } = d.staged ?? (await stageDeploy(o, d));
  await landMetaCommit(metaDir, commit);
  return commit.sha;
}

/** After a failed build: restores flake.lock (and flake.nix) to meta's HEAD; no commit. Safe when nothing is pending. */
export async function abortDeploy(o: MetaOptions): Promise<void> {
  const metaDir = checkDir('metaDir', o?.metaDir);
  if (!existsSync(path.join(metaDir, '.git'))) return;
  const head = await metaHead(metaDir);
  if (head) await git(metaDir, ['reset', '-q', '--hard', head]);
}

const emptyLock = { version: 7, root: 'root', nodes: { root: {} } };

/**
 * The pinned node must keep flake.nix's `original`, or nix treats the lock as stale and relocks the
 * input to main during the build. nix 2.8 already keeps it; newer nix records the override instead.
 */
async function keepOriginal(lockFile: string, input: string, original: Record<string, unknown>): Promise<void> {
  const lock = parseLock(await readText(lockFile));
  const node = lock ? inputNode(lock, input) : null;
  if (!lock || !node || JSON.stringify(node.original) === JSON.stringify(original)) return;
  node.original = original;
  await writeFile(lockFile, JSON.stringify(lock, null, 2) + '\n');
}
