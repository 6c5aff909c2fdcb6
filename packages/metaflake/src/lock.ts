import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { validateAgentName } from '@hive/core';
import { agentInput } from './options.js';

interface LockNode {
  inputs?: Record<string, string | string[]>;
  locked?: { rev?: string; narHash?: string; [k: string]: unknown };
  original?: Record<string, unknown>;
}
/** The parts of a flake.lock (version 7) this package reads. */
export interface FlakeLock {
  version: number;
  root: string;
  nodes: Record<string, LockNode>;
}

/** Parses flake.lock text; null when it is not a lock file nix 2.8 can use. */
export function parseLock(text: string | null): FlakeLock | null {
  if (text === null) return null;
  try {
    const l = JSON.parse(text) as FlakeLock;
    if (l?.version !== 7 || typeof l.root !== 'string' || typeof l.nodes !== 'object' || !l.nodes?.[l.root]) return null;
    return l;
  } catch {
    return null;
  }
}

/** The lock node a root input points at (null for `follows` inputs and missing ones). */
export function inputNode(lock: FlakeLock, input: string): LockNode | null {
  const ref = lock.nodes[lock.root]?.inputs?.[input];
  return typeof ref === 'string' ? (lock.nodes[ref] ?? null) : null;
}

/** The root's input names, sorted. */
export function rootInputs(lock: FlakeLock): string[] {
  return Object.keys(lock.nodes[lock.root]?.inputs ?? {}).sort();
}

/** The locked git rev of an input, or null. */
export function inputRev(lock: FlakeLock | null, input: string): string | null {
  if (!lock) return null;
  const rev = inputNode(lock, input)?.locked?.rev;
  return typeof rev === 'string' ? rev : null;
}

export async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The rev `agent-<name>` is locked at in the meta repo's flake.lock (the working tree: a prepared deploy counts). */
export async function lockedRev(metaDir: string, name: string): Promise<string | null> {
  validateAgentName(name);
  return inputRev(parseLock(await readText(path.join(path.resolve(metaDir), 'flake.lock'))), agentInput(name));
}
