import { commitFiles, initRepo as initTestRepo } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import { deployedIds, latestDeployedTag, plantRollbackProposal, previousDeployedTag, treeOf } from './deploy-history.js';
import { RefNotFoundError } from './errors.js';
import { git } from './git.js';
import { revParse } from './repo.js';
import { tag } from './tags.js';

/** deployed/0 (v0), deployed/2 (v2), deployed/10 (v10) on main, in that order. */
async function history() {
  const repo = await initTestRepo();
  const shas: Record<number, string> = {};
  for (const id of [0, 2, 10]) {
    shas[id] = await commitFiles(repo, { 'agent.nix': `{ hive.model = "v${id}"; }` }, `deploy ${id}`);
    await tag(repo, `deployed/${id}`, shas[id]!);
  }
  return { repo, shas };
}

describe('deploy history', () => {
  it('orders deployed ids numerically, not by name, and names the latest and the one before', async () => {
    const { repo } = await history();
    await tag(repo, 'deployed/x', 'HEAD'); // not an id: ignored
    expect(await deployedIds(repo)).toEqual([0, 2, 10]);
    expect(await latestDeployedTag(repo)).toBe('deployed/10');
    expect(await previousDeployedTag(repo, 'deployed/10')).toBe('deployed/2');
    expect(await previousDeployedTag(repo, 'deployed/0')).toBeNull();
  });

  it('has no latest deployed tag in a repo without one', async () => {
    const repo = await initTestRepo();
    await commitFiles(repo, { a: '1' }, 'a');
    expect(await latestDeployedTag(repo)).toBeNull();
  });

  it('plants a rollback as a new commit on top of main with the old tree, leaving main and the working tree alone', async () => {
    const { repo, shas } = await history();
    const sha = await plantRollbackProposal(repo, { id: 11, to: 'deployed/2', message: 'rollback to deployed/2\n\nbad model' });
    expect(await revParse(repo, 'refs/tags/proposal/11')).toBe(sha);
    expect(await treeOf(repo, sha)).toBe(await treeOf(repo, 'refs/tags/deployed/2'));
    expect(await git(repo, ['rev-parse', `${sha}^`])).toBe(shas[10]);
    expect(await git(repo, ['log', '-1', '--format=%B', sha])).toBe('rollback to deployed/2\n\nbad model');
    expect(await revParse(repo, 'refs/heads/main')).toBe(shas[10]);
    expect(await git(repo, ['show', 'HEAD:agent.nix'])).toContain('v10');
  });

  it('refuses a tag that does not exist, planting nothing', async () => {
    const { repo } = await history();
    await expect(plantRollbackProposal(repo, { id: 11, to: 'deployed/5', message: 'x' })).rejects.toBeInstanceOf(RefNotFoundError);
    expect(await git(repo, ['tag', '--list', 'proposal/*'])).toBe('');
  });
});
