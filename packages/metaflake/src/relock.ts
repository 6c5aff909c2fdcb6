import path from 'node:path';
import { validateAgentName } from '@hive/core';
import { AgentNotInMetaError } from './errors.js';
import { inputNode, inputRev, parseLock, readText } from './lock.js';
import { agentInput, checkDir, type MetaOptions } from './options.js';
import { LOCK, commitMeta, nixLock, openSyncedMeta, restoreHead } from './repo.js';

/** Relocks one input of the committed meta flake to its newest commit and commits if the lock moved. */
async function relockInput(
  metaDir: string,
  input: string,
  message: (lockText: string) => string,
  missing: () => Error,
): Promise<{ changed: boolean; sha: string }> {
  const head = await openSyncedMeta(metaDir);
  const lockFile = path.join(metaDir, LOCK);
  const before = await readText(lockFile);
  const lock = parseLock(before);
  if (!lock || !inputNode(lock, input)) throw missing();
  try {
    await nixLock(metaDir, ['--update-input', input]);
    const text = (await readText(lockFile)) ?? '';
    // The working tree was just restored to head, so the same bytes mean the same tree: nothing to commit,
    // and different bytes mean a different tree (no tree comparison needed before committing).
    if (text === before) return { changed: false, sha: head };
    return await commitMeta(metaDir, { files: [LOCK], message: message(text), parent: head, allowEmpty: true });
  } catch (e) {
    await restoreHead(metaDir).catch(() => undefined);
    throw e;
  }
}

const short = (lockText: string, input: string) => {
  const lock = parseLock(lockText);
  const node = lock ? inputNode(lock, input) : null;
  return (inputRev(lock, input) ?? node?.locked?.narHash ?? 'unlocked').slice(0, 12);
};

/** Rebuild path, single phase: relocks only `agent-<name>` to applied main; commits "rebuild <n> <sha12>" if it moved. */
export async function lockUpdateForRebuild(o: MetaOptions, name: string): Promise<{ changed: boolean; sha: string }> {
  const metaDir = checkDir('metaDir', o?.metaDir);
  validateAgentName(name);
  const input = agentInput(name);
  return relockInput(metaDir, input, (t) => `rebuild ${name} ${short(t, input)}`, () => new AgentNotInMetaError(name));
}

/** Auto-update path: relocks only the `hyperhive` input (and what follows it); commits "update hyperhive <rev12>" if it moved. */
export async function lockUpdateHyperhive(o: MetaOptions): Promise<{ changed: boolean; sha: string }> {
  const metaDir = checkDir('metaDir', o?.metaDir);
  return relockInput(metaDir, 'hyperhive', (t) => `update hyperhive ${short(t, 'hyperhive')}`, () => new AgentNotInMetaError(null));
}
