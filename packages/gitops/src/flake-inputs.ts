import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { NIX_FEATURES } from '@hive/core';

/** Longest a flake.nix may take to say what it needs (a proposal is refused beyond it). */
export const FLAKE_INPUTS_TIMEOUT_MS = 10_000;

// The inputs a flake asks for: its `inputs` attr, plus the formals of `outputs`, which nix
// resolves through the registry as inputs too (`outputs = { self, nixpkgs }: …`).
const EXPR =
  'let f = import <proposal/flake.nix>; ' +
  'ins = if builtins.isAttrs (f.inputs or {}) then f.inputs or {} else throw "inputs is not an attribute set"; ' +
  'outs = if builtins.isFunction (f.outputs or null) then builtins.functionArgs f.outputs else {}; ' +
  'in builtins.attrNames (ins // builtins.removeAttrs outs [ "self" ])';

export type FlakeInputs = { ok: true; inputs: string[] } | { ok: false; error: string };

/**
 * Names of the inputs `flakeText` declares, evaluated by nix-instantiate in restricted mode on a
 * temp copy that holds only that file: no other path, no URI, no env var is readable, nothing is
 * written to the store, and the evaluation is killed after FLAKE_INPUTS_TIMEOUT_MS.
 */
export async function flakeInputNames(flakeText: string): Promise<FlakeInputs> {
  // The evaluation sees nothing but this text, so its answer is the text's: most proposals keep
  // the template's flake.nix, and a repeat costs no nix process. Only answers are kept, never a
  // timeout or a missing nix.
  const key = createHash('sha256').update(flakeText).digest('hex');
  const known = answers.get(key);
  if (known) return { ok: true, inputs: [...known] };
  const r = await evalInputNames(flakeText);
  if (r.ok) {
    if (answers.size >= MAX_ANSWERS) answers.delete(answers.keys().next().value!);
    answers.set(key, [...r.inputs]);
  }
  return r;
}

const MAX_ANSWERS = 256;
const answers = new Map<string, string[]>();

async function evalInputNames(flakeText: string): Promise<FlakeInputs> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hive-flake-inputs-'));
  try {
    writeFileSync(path.join(dir, 'flake.nix'), flakeText);
    const args = [
      ...NIX_FEATURES,
      '--eval', '--json', '--strict', '--readonly-mode',
      '--option', 'restrict-eval', 'true',
      '--option', 'allowed-uris', '',
      '-I', `proposal=${dir}`,
      '-E', EXPR,
    ];
    const r = await execa('nix-instantiate', args, {
      cwd: dir,
      reject: false,
      timeout: FLAKE_INPUTS_TIMEOUT_MS,
      extendEnv: false,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, NIX_CONFIG: process.env.NIX_CONFIG ?? '' },
    });
    if (r.timedOut) return { ok: false, error: `evaluation took over ${FLAKE_INPUTS_TIMEOUT_MS / 1000} s` };
    if (r.exitCode !== 0) return { ok: false, error: firstError(String(r.stderr)) };
    const names = JSON.parse(String(r.stdout)) as unknown;
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) return { ok: false, error: 'unexpected output' };
    return { ok: true, inputs: names };
  } catch (e) {
    return { ok: false, error: (e as { code?: string }).code === 'ENOENT' ? 'nix-instantiate is not installed' : (e as Error).message.split('\n')[0]! };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function firstError(stderr: string): string {
  const line = stderr.split('\n').map((l) => l.trim()).find((l) => l.startsWith('error:')) ?? 'nix failed';
  return line.replace(/^error:\s*/, '').slice(0, 200);
}
