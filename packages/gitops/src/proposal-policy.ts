import { flakeInputNames } from './flake-inputs.js';
import { runGit } from './git.js';
import { catFileBatch } from './cat-file-batch.js';
import { ProposalRefusedError, RefNotFoundError } from './errors.js';

/** What a proposal may hold. The operator relaxes a rule per agent (`<state>/policy/<name>.json`); the manager never can. */
export interface ProposalPolicy {
  /** Allow symlinks whose target stays inside the config (default false). */
  allowSymlinks: boolean;
  /** Flake inputs the agent's flake.nix may declare; the template declares none (default []). */
  allowedInputs: string[];
  /** Largest file, in bytes (default 256 KiB). */
  maxFileBytes: number;
  /** Largest proposal, all files together, in bytes (default 2 MiB). */
  maxTotalBytes: number;
  /** Most files in a proposal (default 500). */
  maxFiles: number;
}

export const DEFAULT_PROPOSAL_POLICY: Readonly<ProposalPolicy> = Object.freeze({
  allowSymlinks: false,
  allowedInputs: [],
  maxFileBytes: 256 * 1024,
  maxTotalBytes: 2 * 1024 * 1024,
  maxFiles: 500,
});

interface Entry {
  mode: string;
  type: string;
  object: string;
  size: number;
  path: string;
}

// Characters that make a name read as something else: controls, DEL, bidi, zero-width.
const SNEAKY = /[\0-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/u;
const shown = (p: string) => JSON.stringify(p).slice(1, -1).replace(/[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/gu, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`);

function refuse(file: string, rule: string, why: string): never {
  throw new ProposalRefusedError(file, rule, `${shown(file)} ${why}`);
}

/**
 * Checks the tree of `ref` in `repo` (a daemon-owned repo, after the fetch) against `policy`;
 * throws ProposalRefusedError (422) naming the first file and rule it breaks, else returns the tree
 * it checked (what approvals are compared by). Plumbing only.
 */
export async function checkProposal(repo: string, ref: string, policy: Partial<ProposalPolicy> = {}): Promise<{ tree: string }> {
  const p: ProposalPolicy = { ...DEFAULT_PROPOSAL_POLICY, ...policy };
  // The tree's name and flake.nix's bytes in one read; the listing is the second process.
  const [root, flakeBlob] = await catFileBatch(repo, [`${ref}^{tree}`, `${ref}:flake.nix`]);
  if (!root || root.missing || root.type !== 'tree') throw new RefNotFoundError(ref, repo);
  const tree = root.sha;
  const entries = await listTree(repo, tree);
  if (entries.length > p.maxFiles) refuse('(proposal)', 'max-files', `holds ${entries.length} files (the limit is ${p.maxFiles})`);
  let total = 0;
  for (const e of entries) {
    if (SNEAKY.test(e.path)) refuse(e.path, 'file-name', 'has a control, bidi or zero-width character in its name (not allowed in agent configs)');
    const base = e.path.split('/').at(-1)!.toLowerCase();
    if (base === '.gitattributes') refuse(e.path, 'gitattributes', 'is a .gitattributes file (attributes are not allowed in agent configs)');
    if (base === '.gitmodules') refuse(e.path, 'gitmodules', 'is a .gitmodules file (submodules are not allowed in agent configs)');
    if (e.mode === '160000') refuse(e.path, 'submodule', 'is a submodule (gitlinks are not allowed in agent configs)');
    if (e.mode === '120000') {
      if (!p.allowSymlinks) refuse(e.path, 'symlink', 'is a symlink (symlinks are not allowed in agent configs)');
      await checkSymlinkTarget(repo, e);
    } else if (e.mode !== '100644' && e.mode !== '100755') {
      refuse(e.path, 'mode', `has mode ${e.mode} (only regular files, 100644 or 100755, are allowed)`);
    }
    if (e.size > p.maxFileBytes) refuse(e.path, 'max-file-bytes', `is ${e.size} bytes (the limit is ${p.maxFileBytes} a file)`);
    total += e.size;
    if (total > p.maxTotalBytes) refuse('(proposal)', 'max-total-bytes', `is over ${p.maxTotalBytes} bytes in all (the limit per proposal)`);
  }
  const flake = entries.find((e) => e.path === 'flake.nix');
  if (flake && flakeBlob && !flakeBlob.missing) await checkFlakeInputs(flakeBlob.content.toString('utf8'), p.allowedInputs);
  return { tree };
}

/** `git ls-tree -r -l --full-tree -z`: "<mode> <type> <object> <size>\t<path>\0". */
async function listTree(repo: string, sha: string): Promise<Entry[]> {
  const r = await runGit(repo, ['ls-tree', '-r', '-l', '--full-tree', '-z', sha], { isolated: true });
  const out: Entry[] = [];
  for (const rec of r.stdout.split('\0')) {
    const m = /^(\d{6}) (\w+) ([0-9a-f]+) +(-|\d+)\t([\s\S]+)$/.exec(rec);
    if (m) out.push({ mode: m[1]!, type: m[2]!, object: m[3]!, size: m[4] === '-' ? 0 : Number(m[4]), path: m[5]! });
  }
  return out;
}

async function blob(repo: string, object: string): Promise<string> {
  return (await runGit(repo, ['cat-file', 'blob', object], { isolated: true })).stdout;
}

/** Even where the operator allows symlinks, one may not point out of the config (or into .git). */
async function checkSymlinkTarget(repo: string, e: Entry): Promise<void> {
  const target = await blob(repo, e.object);
  let depth = e.path.split('/').length - 1; // dirs between the config root and the link
  let escapes = target.startsWith('/');
  for (const part of target.split('/')) {
    if (part === '..') depth -= 1;
    else if (part === '.git') escapes = true;
    else if (part !== '.' && part !== '') depth += 1;
    if (depth < 0) escapes = true;
  }
  if (escapes) refuse(e.path, 'symlink-target', 'is a symlink that points out of the config (not allowed even where symlinks are)');
}

async function checkFlakeInputs(flakeText: string, allowed: readonly string[]): Promise<void> {
  const r = await flakeInputNames(flakeText);
  if (!r.ok) refuse('flake.nix', 'flake-inputs', `could not be read for its inputs (${r.error}); it must evaluate to an attribute set`);
  const extra = r.inputs.filter((n) => !allowed.includes(n));
  if (extra.length) {
    refuse('flake.nix', 'flake-inputs', `declares the input${extra.length > 1 ? 's' : ''} ${extra.map(shown).join(', ')} (flake inputs beyond the template's are not allowed; the operator can allow one in the agent's policy)`);
  }
}
