import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateAgentName } from '@hive/core';
import { z } from 'zod';
import { InvalidPolicyError } from './errors.js';
import { DEFAULT_PROPOSAL_POLICY, type ProposalPolicy } from './proposal-policy.js';

/** The operator's per-agent relaxations; every field optional, unknown fields refused (a typo must not pass silently). */
export const AgentPolicyFile = z
  .object({
    allowSymlinks: z.boolean(),
    allowedInputs: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_'-]*$/, 'a flake input name')).max(64),
    maxFileBytes: z.number().int().positive(),
    maxTotalBytes: z.number().int().positive(),
    maxFiles: z.number().int().positive(),
  })
  .partial()
  .strict();

/** Where the operator keeps agent `name`'s policy: `<stateRoot>/policy/<name>.json`, outside every agent bind. */
export function agentPolicyFile(stateRoot: string, name: string): string {
  validateAgentName(name);
  return path.join(path.resolve(stateRoot), 'policy', `${name}.json`);
}

/**
 * The proposal policy for agent `name`: the defaults, with what `<stateRoot>/policy/<name>.json`
 * relaxes. A missing file means the defaults; a symlink, non-file or invalid JSON is InvalidPolicyError.
 */
export function readAgentPolicy(stateRoot: string, name: string): ProposalPolicy {
  const file = agentPolicyFile(stateRoot, name);
  let dir;
  try {
    dir = lstatSync(path.dirname(file));
  } catch {
    return { ...DEFAULT_PROPOSAL_POLICY, allowedInputs: [] };
  }
  if (!dir.isDirectory()) throw new InvalidPolicyError(file, `${path.dirname(file)} is not a real directory`);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return { ...DEFAULT_PROPOSAL_POLICY, allowedInputs: [] };
    throw new InvalidPolicyError(file, `it cannot be opened (${(e as { code?: string }).code}; a symlink is not followed)`);
  }
  let text: string;
  try {
    if (!fstatSync(fd).isFile()) throw new InvalidPolicyError(file, 'it is not a regular file');
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InvalidPolicyError(file, `not JSON (${(e as Error).message})`);
  }
  const parsed = AgentPolicyFile.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new InvalidPolicyError(file, `${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return { ...DEFAULT_PROPOSAL_POLICY, allowedInputs: [], ...parsed.data };
}
