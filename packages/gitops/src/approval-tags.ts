import {
  GitError,
  InvalidApprovalIdError,
  NotApprovedError,
  RefMovedError,
  TagExistsError,
  TerminalTagExistsError,
} from './errors.js';
import { git, runGit } from './git.js';
import { readRef, revParse } from './repo.js';
import { refOpLine, updateRefs, type RefOp } from './ref-transaction.js';
import { readTagMessage, tagBody } from './tags.js';

// Tag names of the approval state machine, in one place.
/** proposal/<id>: the commit the manager asked to deploy, as fetched by the daemon. */
export const proposalTag = (id: number) => `proposal/${checkId(id)}`;
/** approved/<id>: the operator said yes. */
export const approvedTag = (id: number) => `approved/${checkId(id)}`;
/** building/<id>: a build of the proposal started. */
export const buildingTag = (id: number) => `building/${checkId(id)}`;
/** deployed/<id>: terminal, the build succeeded (deployed/0 is the first spawn). */
export const deployedTag = (id: number) => `deployed/${checkId(id, true)}`;
/** failed/<id>: terminal, annotated with the build error. */
export const failedTag = (id: number) => `failed/${checkId(id)}`;
/** denied/<id>: terminal, annotated with the operator's reason. */
export const deniedTag = (id: number) => `denied/${checkId(id)}`;

export type ApprovalTagStatus = 'pending' | 'building' | 'deployed' | 'failed' | 'denied' | 'absent';
export type TerminalKind = 'deployed' | 'failed' | 'denied';
const TERMINALS: readonly TerminalKind[] = ['deployed', 'failed', 'denied'];

export interface ApprovalTagState {
  status: ApprovalTagStatus;
  /** e.g. "failed/7"; null until resolved. */
  terminalTag: string | null;
  /** The annotated message of a failed/denied tag. */
  note: string | null;
}

function checkId(id: number, allowZero = false): number {
  if (!Number.isSafeInteger(id) || id < (allowZero ? 0 : 1)) throw new InvalidApprovalIdError(id);
  return id;
}

/**
 * Stamps approved/<id> + building/<id> at proposal/<id> (both or neither); returns the proposal sha.
 * With `sha` (what the caller expects proposal/<id> to name) the checks ride in the one ref
 * transaction that stamps; only a refusal costs a second process, to say why.
 */
export async function stampApproved(repo: string, id: number, sha?: string): Promise<string> {
  if (sha !== undefined) {
    const ops: RefOp[] = [{ op: 'verify', ref: `refs/tags/${proposalTag(id)}`, old: sha }, ...terminalOps(id, sha), ...stampOps(id, sha)];
    if (await landed(repo, ops)) return sha;
  }
  const checked = refuseResolved(id, await checkProposal(repo, id));
  if (sha !== undefined && checked.sha !== sha) throw new RefMovedError(`refs/tags/${proposalTag(id)}`, sha, checked.sha);
  if (!(await landed(repo, stampOps(id, checked.sha)))) {
    await refuseIfResolved(repo, id);
    throw new TagExistsError(approvedTag(id), repo);
  }
  return checked.sha;
}

const stampOps = (id: number, sha: string): RefOp[] => [
  { op: 'create', ref: `refs/tags/${approvedTag(id)}`, sha },
  { op: 'create', ref: `refs/tags/${buildingTag(id)}`, sha },
];

/**
 * The three terminal refs of `id`, in one lock order (sorted by ref) in every call, so racing
 * resolutions wait on each other rather than both fail: `kind` created at `target`, the others
 * verified absent (an all-zero old value); without `kind`, all three verified absent.
 */
function terminalOps(id: number, target: string, kind?: TerminalKind): RefOp[] {
  const zero = '0'.repeat(target.length);
  return [...TERMINALS]
    .sort((a, b) => terminalTag(a, id).localeCompare(terminalTag(b, id)))
    .map((k): RefOp => (k === kind ? { op: 'create', ref: `refs/tags/${terminalTag(k, id)}`, sha: target } : { op: 'verify', ref: `refs/tags/${terminalTag(k, id)}`, old: zero }));
}

/** One ref transaction; false when a check in it failed (the caller explains why), any other error thrown. */
async function landed(repo: string, ops: RefOp[]): Promise<boolean> {
  try {
    await updateRefs(repo, ops);
    return true;
  } catch (e) {
    if (e instanceof RefMovedError || e instanceof GitError) return false;
    throw e;
  }
}

/** Plants deployed/<id> at the proposal; refused unless approved and not yet resolved. */
export async function plantDeployed(repo: string, id: number): Promise<void> {
  const checked = await checkProposal(repo, id);
  if (!checked.building) throw new NotApprovedError(id);
  const { sha } = refuseResolved(id, checked);
  await plantTerminal(repo, id, 'deployed', sha);
}

/**
 * The deploy's commit point: deployed/<id> planted and `refs/heads/main` moved from `mainWas` to
 * the proposal in one ref transaction — both or neither, so no crash lands between them.
 * RefMovedError when main is no longer at `mainWas`; the working tree is the caller's to update.
 */
export async function plantDeployedOnMain(repo: string, id: number, mainWas: string, sha?: string): Promise<void> {
  const main = (to: string): RefOp => (to === mainWas ? { op: 'verify', ref: 'refs/heads/main', old: mainWas } : { op: 'update', ref: 'refs/heads/main', sha: to, old: mainWas });
  if (sha !== undefined) {
    // The caller knows the proposal's sha: building/<id> and proposal/<id> are verified in the same
    // transaction that plants, so the happy path is one process; a refusal is explained below.
    const ops: RefOp[] = [
      { op: 'verify', ref: `refs/tags/${proposalTag(id)}`, old: sha },
      { op: 'verify', ref: `refs/tags/${buildingTag(id)}`, old: sha },
      ...terminalOps(id, sha, 'deployed'),
      main(sha),
    ];
    if (await landed(repo, ops)) return;
  }
  const checked = await checkProposal(repo, id);
  if (!checked.building) throw new NotApprovedError(id);
  const proposal = refuseResolved(id, checked).sha;
  if (sha !== undefined && proposal !== sha) throw new RefMovedError(`refs/tags/${proposalTag(id)}`, sha, proposal);
  try {
    await plantTerminal(repo, id, 'deployed', proposal, [main(proposal)]);
  } catch (e) {
    const now = await readRef(repo, 'refs/heads/main');
    if (now !== mainWas) throw new RefMovedError('refs/heads/main', mainWas, now);
    throw e;
  }
}

/** Plants failed/<id> at the proposal, annotated with the build error. */
export async function plantFailed(repo: string, id: number, error: string): Promise<void> {
  const { sha } = refuseResolved(id, await checkProposal(repo, id)); // before writing the tag object, so a refusal leaves no trace
  await plantTerminal(repo, id, 'failed', await makeTagObject(repo, failedTag(id), sha, error));
}

/** Plants denied/<id> at the proposal, annotated with the operator's reason. */
export async function plantDenied(repo: string, id: number, reason: string): Promise<void> {
  const { sha } = refuseResolved(id, await checkProposal(repo, id)); // before writing the tag object, so a refusal leaves no trace
  await plantTerminal(repo, id, 'denied', await makeTagObject(repo, deniedTag(id), sha, reason));
}

interface ProposalCheck {
  sha: string;
  building: boolean;
  /** The first terminal tag by name (what `for-each-ref --count=1` would print), or undefined. */
  terminal: string | undefined;
}

/**
 * One `for-each-ref` for a step's checks: the proposal's commit (RefNotFoundError when absent),
 * whether building/<id> exists, and the terminal tag if the approval is already resolved.
 */
async function checkProposal(repo: string, id: number): Promise<ProposalCheck> {
  const refs = [proposalTag(id), buildingTag(id), ...TERMINALS.map((k) => terminalTag(k, id))].map((n) => `refs/tags/${n}`);
  const out = await git(repo, ['for-each-ref', '--format=%(refname:strip=2) %(objecttype) %(objectname) %(*objecttype) %(*objectname)', ...refs]);
  const rows = new Map<string, string[]>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [name, ...fields] = line.split(' ');
    rows.set(name!, fields);
  }
  const p = rows.get(proposalTag(id));
  // A lightweight tag on a commit (what fetchToTag makes) or an annotated one on a commit; anything else asks rev-parse.
  let sha = p?.[0] === 'commit' ? p[1] : p?.[0] === 'tag' && p[2] === 'commit' ? p[3] : undefined;
  if (!sha) sha = await revParse(repo, proposalTag(id));
  // Sorted by refname like for-each-ref --count=1 over the terminal tags alone.
  const terminal = TERMINALS.map((k) => terminalTag(k, id)).filter((t) => rows.has(t)).sort()[0];
  return { sha, building: rows.has(buildingTag(id)), terminal };
}

function refuseResolved(id: number, c: ProposalCheck): ProposalCheck {
  if (c.terminal) throw new TerminalTagExistsError(id, c.terminal);
  return c;
}

/** Reads an approval's state from the tags, which are the truth: a terminal tag wins, then building, then proposal. */
export async function approvalStateFromTags(repo: string, id: number): Promise<ApprovalTagState> {
  const names = [proposalTag(id), approvedTag(id), buildingTag(id), ...TERMINALS.map((k) => terminalTag(k, id))];
  const out = await git(repo, ['for-each-ref', '--format=%(refname:strip=2)', ...names.map((n) => `refs/tags/${n}`)]);
  const present = new Set(out.split('\n').filter(Boolean));
  const terminal = TERMINALS.map((k) => terminalTag(k, id)).find((t) => present.has(t));
  if (terminal) {
    const note = terminal.startsWith('deployed/') ? null : await readTagMessage(repo, terminal);
    return { status: terminal.split('/')[0] as TerminalKind, terminalTag: terminal, note };
  }
  const status = present.has(buildingTag(id)) || present.has(approvedTag(id)) ? 'building' : present.has(proposalTag(id)) ? 'pending' : 'absent';
  return { status, terminalTag: null, note: null };
}

function terminalTag(kind: TerminalKind, id: number): string {
  return kind === 'deployed' ? deployedTag(id) : kind === 'failed' ? failedTag(id) : deniedTag(id);
}

async function refuseIfResolved(repo: string, id: number): Promise<void> {
  const refs = TERMINALS.map((k) => `refs/tags/${terminalTag(k, id)}`);
  const found = await git(repo, ['for-each-ref', '--count=1', '--format=%(refname:strip=2)', ...refs]);
  if (found) throw new TerminalTagExistsError(id, found);
}

// One ref transaction creates the terminal tag and verifies the other two are absent,
// so two racing resolutions can never both land (at most one terminal tag per id).
// The caller has just checked with checkProposal; the transaction re-verifies anyway.
async function plantTerminal(repo: string, id: number, kind: TerminalKind, target: string, also: RefOp[] = []): Promise<void> {
  const input = [...terminalOps(id, target, kind), ...also].map(refOpLine).join('\n') + '\n';
  const r = await runGit(repo, ['update-ref', '--stdin'], { allowFailure: true, input });
  if (r.exitCode !== 0) {
    await refuseIfResolved(repo, id);
    // Not resolved after all (e.g. a racing call held a ref lock and then failed): retry once,
    // and let a real failure surface as git's own error.
    await git(repo, ['update-ref', '--stdin'], { input });
  }
}

/** Writes an annotated tag object (not yet a ref) for `sha` with `message`; returns the object's sha. */
async function makeTagObject(repo: string, name: string, sha: string, message: string): Promise<string> {
  const when = `${Math.floor(Date.now() / 1000)} +0000`;
  const body = `object ${sha}\ntype commit\ntag ${name}\ntagger hyperhive <hive@hyperhive.invalid> ${when}\n\n${tagBody(message)}`;
  return git(repo, ['mktag'], { input: body });
}
