import { commitFiles, initRepo as initTestRepo, snapshotTree } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import {
  approvalStateFromTags,
  approvedTag,
  buildingTag,
  deployedTag,
  deniedTag,
  failedTag,
  plantDenied,
  plantDeployed,
  plantDeployedOnMain,
  plantFailed,
  proposalTag,
  stampApproved,
} from './approval-tags.js';
import { InvalidApprovalIdError, NotApprovedError, RefMovedError, RefNotFoundError, TagExistsError, TerminalTagExistsError } from './errors.js';
import { git } from './git.js';
import { listTags, readTagMessage, tag } from './tags.js';

/** An applied-like repo with deployed/0 on main and proposal/<id> on a new commit. */
async function withProposal(id = 1) {
  const repo = await initTestRepo();
  const main = await commitFiles(repo, { 'agent.nix': '{ }' }, 'init');
  await tag(repo, deployedTag(0), main);
  await git(repo, ['checkout', '-q', '--detach']);
  const sha = await commitFiles(repo, { 'agent.nix': '{ x = 1; }' }, 'proposal');
  await git(repo, ['checkout', '-q', 'main']);
  await tag(repo, proposalTag(id), sha);
  return { repo, sha, main };
}

describe('tag names', () => {
  it('come from one place', () => {
    expect([proposalTag(7), approvedTag(7), buildingTag(7), deployedTag(7), failedTag(7), deniedTag(7)]).toEqual([
      'proposal/7',
      'approved/7',
      'building/7',
      'deployed/7',
      'failed/7',
      'denied/7',
    ]);
    expect(deployedTag(0)).toBe('deployed/0');
  });

  it('refuse ids that are not positive integers', () => {
    for (const id of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3' as unknown as number]) {
      expect(() => proposalTag(id), String(id)).toThrow(InvalidApprovalIdError);
    }
    expect(() => deployedTag(-1)).toThrow(/positive integer/);
  });
});

describe('approval tag state machine', () => {
  it('walks absent → pending → building → deployed', async () => {
    const { repo, sha } = await withProposal(1);
    expect(await approvalStateFromTags(repo, 2)).toEqual({ status: 'absent', terminalTag: null, note: null });
    expect(await approvalStateFromTags(repo, 1)).toEqual({ status: 'pending', terminalTag: null, note: null });
    expect(await stampApproved(repo, 1)).toBe(sha);
    expect(await git(repo, ['rev-parse', 'refs/tags/approved/1', 'refs/tags/building/1'])).toBe(`${sha}\n${sha}`);
    expect(await approvalStateFromTags(repo, 1)).toEqual({ status: 'building', terminalTag: null, note: null });
    await plantDeployed(repo, 1);
    expect(await git(repo, ['rev-parse', 'refs/tags/deployed/1'])).toBe(sha);
    expect(await git(repo, ['cat-file', '-t', 'refs/tags/deployed/1'])).toBe('commit');
    expect(await approvalStateFromTags(repo, 1)).toEqual({ status: 'deployed', terminalTag: 'deployed/1', note: null });
  });

  it('plants failed/<id> with the build error', async () => {
    const { repo, sha } = await withProposal(2);
    await stampApproved(repo, 2);
    const error = "error: undefined variable 'pkgz'\n       at /nix/store/…/agent.nix:3:5:\n# line starting with a hash";
    await plantFailed(repo, 2, error);
    expect(await git(repo, ['rev-parse', 'refs/tags/failed/2^{commit}'])).toBe(sha);
    expect(await readTagMessage(repo, 'failed/2')).toBe(error);
    expect(await approvalStateFromTags(repo, 2)).toEqual({ status: 'failed', terminalTag: 'failed/2', note: error });
    expect(await git(repo, ['for-each-ref', '--format=%(taggername)', 'refs/tags/failed/2'])).toBe('hyperhive');
  });

  it("plants denied/<id> with the operator's reason on a pending proposal", async () => {
    const { repo } = await withProposal(3);
    await plantDenied(repo, 3, 'not now — too risky');
    expect(await approvalStateFromTags(repo, 3)).toEqual({
      status: 'denied',
      terminalTag: 'denied/3',
      note: 'not now — too risky',
    });
    expect(await listTags(repo, '*/3')).toEqual(['denied/3', 'proposal/3']);
  });

  it('refuses a second terminal tag for the same id, whichever kind', async () => {
    const { repo } = await withProposal(4);
    await stampApproved(repo, 4);
    await plantFailed(repo, 4, 'boom');
    const before = await snapshotTree(repo);
    const err = await plantDeployed(repo, 4).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalTagExistsError);
    expect(err).toMatchObject({ code: 'ALREADY_RESOLVED', existing: 'failed/4' });
    expect((err as Error).message).toBe('approval 4 is already resolved as failed/4');
    await expect(plantDenied(repo, 4, 'late')).rejects.toBeInstanceOf(TerminalTagExistsError);
    await expect(plantFailed(repo, 4, 'again')).rejects.toBeInstanceOf(TerminalTagExistsError);
    expect(await snapshotTree(repo)).toEqual(before);
    expect(await readTagMessage(repo, 'failed/4')).toBe('boom');
  });

  it('lets only one of two racing resolutions land', async () => {
    const { repo } = await withProposal(5);
    await stampApproved(repo, 5);
    const results = await Promise.allSettled([plantDeployed(repo, 5), plantFailed(repo, 5, 'x'), plantDenied(repo, 5, 'y')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const terminals = (await listTags(repo, '*/5')).filter((t) => /^(deployed|failed|denied)\//.test(t));
    expect(terminals).toHaveLength(1);
  });

  it('refuses to approve twice or to approve a resolved proposal', async () => {
    const { repo } = await withProposal(6);
    await stampApproved(repo, 6);
    await expect(stampApproved(repo, 6)).rejects.toBeInstanceOf(TagExistsError);
    const other = await withProposal(7);
    await plantDenied(other.repo, 7, 'no');
    await expect(stampApproved(other.repo, 7)).rejects.toBeInstanceOf(TerminalTagExistsError);
    expect(await listTags(other.repo, 'approved/*')).toEqual([]);
  });

  it('refuses deployed/<id> for a proposal that was never approved', async () => {
    const { repo } = await withProposal(8);
    await expect(plantDeployed(repo, 8)).rejects.toBeInstanceOf(NotApprovedError);
    expect(await approvalStateFromTags(repo, 8)).toMatchObject({ status: 'pending' });
  });

  it('throws RefNotFoundError when proposal/<id> does not exist, planting nothing', async () => {
    const { repo } = await withProposal(1);
    const before = await snapshotTree(repo);
    await expect(stampApproved(repo, 9)).rejects.toBeInstanceOf(RefNotFoundError);
    await expect(plantFailed(repo, 9, 'x')).rejects.toBeInstanceOf(RefNotFoundError);
    await expect(plantDenied(repo, 9, 'x')).rejects.toBeInstanceOf(RefNotFoundError);
    expect(await snapshotTree(repo)).toEqual(before);
  });

  it('reads a build left half-way (building, no terminal) as building, for recovery', async () => {
    const { repo } = await withProposal(10);
    await stampApproved(repo, 10);
    expect((await approvalStateFromTags(repo, 10)).status).toBe('building');
    await plantFailed(repo, 10, 'daemon restarted during the build');
    expect(await approvalStateFromTags(repo, 10)).toMatchObject({ status: 'failed', note: 'daemon restarted during the build' });
  });
});

describe('plantDeployedOnMain', () => {
  it('plants deployed/<id> and moves main to the proposal in one transaction', async () => {
    const { repo, sha, main } = await withProposal(4);
    await stampApproved(repo, 4);
    await plantDeployedOnMain(repo, 4, main);
    expect(await git(repo, ['rev-parse', 'refs/heads/main'])).toBe(sha);
    expect(await git(repo, ['rev-parse', 'refs/tags/deployed/4^{commit}'])).toBe(sha);
  });

  it('changes neither when main moved since it was read', async () => {
    const { repo, main } = await withProposal(5);
    await stampApproved(repo, 5);
    const moved = await commitFiles(repo, { 'other.md': 'x' }, 'someone else');
    await expect(plantDeployedOnMain(repo, 5, main)).rejects.toBeInstanceOf(RefMovedError);
    expect(await git(repo, ['rev-parse', 'refs/heads/main'])).toBe(moved);
    expect(await listTags(repo, 'deployed/5')).toEqual([]);
  });

  it('is refused before the approval was stamped, like plantDeployed', async () => {
    const { repo, main } = await withProposal(6);
    await expect(plantDeployedOnMain(repo, 6, main)).rejects.toBeInstanceOf(NotApprovedError);
  });
});

// The pipeline passes the sha it expects: the checks then ride in the stamping/planting transaction.
describe('stampApproved and plantDeployedOnMain with the expected sha', () => {
  it('stamp, then plant and move main, each in one transaction', async () => {
    const { repo, sha, main } = await withProposal(11);
    expect(await stampApproved(repo, 11, sha)).toBe(sha);
    expect(await git(repo, ['rev-parse', 'refs/tags/approved/11', 'refs/tags/building/11'])).toBe(`${sha}\n${sha}`);
    await plantDeployedOnMain(repo, 11, main, sha);
    expect(await git(repo, ['rev-parse', 'refs/heads/main', 'refs/tags/deployed/11'])).toBe(`${sha}\n${sha}`);
  });

  it('refuse as the checked path does, changing nothing: resolved, twice, never stamped, main moved, another sha, no proposal', async () => {
    const denied = await withProposal(12);
    await plantDenied(denied.repo, 12, 'no');
    await expect(stampApproved(denied.repo, 12, denied.sha)).rejects.toBeInstanceOf(TerminalTagExistsError);
    expect(await listTags(denied.repo, 'approved/*')).toEqual([]);

    const twice = await withProposal(13);
    await stampApproved(twice.repo, 13, twice.sha);
    await expect(stampApproved(twice.repo, 13, twice.sha)).rejects.toBeInstanceOf(TagExistsError);

    const unstamped = await withProposal(14);
    await expect(plantDeployedOnMain(unstamped.repo, 14, unstamped.main, unstamped.sha)).rejects.toBeInstanceOf(NotApprovedError);
    expect(await git(unstamped.repo, ['rev-parse', 'refs/heads/main'])).toBe(unstamped.main);

    const moved = await withProposal(15);
    await stampApproved(moved.repo, 15, moved.sha);
    const other = await commitFiles(moved.repo, { 'other.md': 'x' }, 'someone else');
    await expect(plantDeployedOnMain(moved.repo, 15, moved.main, moved.sha)).rejects.toBeInstanceOf(RefMovedError);
    expect(await git(moved.repo, ['rev-parse', 'refs/heads/main'])).toBe(other);
    expect(await listTags(moved.repo, 'deployed/15')).toEqual([]);

    // The expected sha is not what proposal/<id> names: refused, nothing stamped or planted.
    const wrong = await withProposal(16);
    await expect(stampApproved(wrong.repo, 16, wrong.main)).rejects.toBeInstanceOf(RefMovedError);
    expect(await listTags(wrong.repo, 'approved/*')).toEqual([]);
    await stampApproved(wrong.repo, 16, wrong.sha);
    await expect(plantDeployedOnMain(wrong.repo, 16, wrong.main, wrong.main)).rejects.toBeInstanceOf(RefMovedError);
    expect(await listTags(wrong.repo, 'deployed/*')).toEqual(['deployed/0']);

    const none = await withProposal(17);
    await expect(stampApproved(none.repo, 18, none.sha)).rejects.toBeInstanceOf(RefNotFoundError);
  });

  it('a failed/<id> already planted keeps deployed/<id> out (one terminal tag per id)', async () => {
    const { repo, sha, main } = await withProposal(19);
    await stampApproved(repo, 19, sha);
    await plantFailed(repo, 19, 'build error');
    await expect(plantDeployedOnMain(repo, 19, main, sha)).rejects.toBeInstanceOf(TerminalTagExistsError);
    expect(await git(repo, ['rev-parse', 'refs/heads/main'])).toBe(main);
  });
});
