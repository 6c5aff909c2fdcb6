// The README's usage example, run for real: one approval through to deployed, and one that fails.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import {
  approvalStateFromTags,
  commitAll,
  diff,
  fetchToTag,
  git,
  plantDeployed,
  plantFailed,
  proposalTag,
  readTreeReset,
  resetWorkingTreeToMain,
  revParse,
  setupApplied,
  setupProposed,
  stampApproved,
  updateRef,
} from './index.js';

async function agent() {
  const root = tempDir();
  const proposed = path.join(root, 'agents', 'coder', 'config');
  const applied = path.join(root, 'applied', 'coder');
  await setupProposed({ dir: proposed, name: 'coder' });
  await setupApplied({ dir: applied, proposedDir: proposed });
  return { proposed, applied };
}

async function propose(o: { proposed: string; applied: string; id: number; agentNix: string }) {
  writeFileSync(path.join(o.proposed, 'agent.nix'), o.agentNix);
  const sha = await commitAll(o.proposed, 'coder: change');
  return fetchToTag({ repo: o.applied, from: o.proposed, sha: sha!, tag: proposalTag(o.id) });
}

describe('the approval flow', () => {
  it('deploys an approved proposal: deployed/<id> planted and main fast-forwarded', async () => {
    const { proposed, applied } = await agent();
    const agentNix = '{ ... }: { hive = { model = "opus"; env = { }; mcpServers = { }; }; }\n';
    const fetched = await propose({ proposed, applied, id: 1, agentNix });
    const d = await diff(applied, 'refs/heads/main', `refs/tags/${proposalTag(1)}`);
    expect(d.files.map((f) => f.path)).toEqual(['agent.nix']);

    const oldMain = await revParse(applied, 'refs/heads/main');
    await stampApproved(applied, 1);
    await readTreeReset(applied, fetched);
    expect(readFileSync(path.join(applied, 'agent.nix'), 'utf8')).toBe(agentNix);
    expect(await revParse(applied, 'HEAD')).toBe(oldMain); // main stays on the last good commit mid-build
    await plantDeployed(applied, 1);
    await updateRef(applied, 'refs/heads/main', fetched, oldMain);

    expect(await approvalStateFromTags(applied, 1)).toEqual({ status: 'deployed', terminalTag: 'deployed/1', note: null });
    expect(await revParse(applied, 'HEAD')).toBe(fetched);
    expect(await git(applied, ['status', '--porcelain'])).toBe('');
    // The deployed proposal is now the base: diffing it again is a no-op.
    expect((await diff(applied, 'refs/heads/main', `refs/tags/${proposalTag(1)}`)).text).toBe('');
  });

  it('fails a broken proposal: failed/<id> carries the error and the tree goes back to main', async () => {
    const { proposed, applied } = await agent();
    const before = readFileSync(path.join(applied, 'agent.nix'), 'utf8');
    const fetched = await propose({ proposed, applied, id: 2, agentNix: '{ broken\n' });
    const oldMain = await revParse(applied, 'refs/heads/main');
    await stampApproved(applied, 2);
    await readTreeReset(applied, fetched);
    await plantFailed(applied, 2, 'error: syntax error, unexpected end of file');
    await resetWorkingTreeToMain(applied);

    expect(await approvalStateFromTags(applied, 2)).toEqual({
      status: 'failed',
      terminalTag: 'failed/2',
      note: 'error: syntax error, unexpected end of file',
    });
    expect(readFileSync(path.join(applied, 'agent.nix'), 'utf8')).toBe(before);
    expect(await revParse(applied, 'refs/heads/main')).toBe(oldMain);
    expect(await git(applied, ['status', '--porcelain'])).toBe('');
  });

  it('lets the manager fetch deployed tags through its applied remote', async () => {
    const { proposed, applied } = await agent();
    await git(proposed, ['remote', 'set-url', 'applied', applied]); // the host path instead of /applied/coder/.git
    await git(proposed, ['fetch', '-q', '--tags', 'applied']);
    expect(await git(proposed, ['rev-parse', 'refs/tags/deployed/0'])).toBe(await revParse(proposed, 'HEAD'));
  });
});
