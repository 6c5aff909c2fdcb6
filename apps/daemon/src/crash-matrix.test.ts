import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitFiles, git, tempDir } from '@hive/testkit';
import { approvalStateFromTags, listTags } from '@hive/gitops';
import { lockedRev } from '@hive/metaflake';
import { miniHarnessPath } from '@hive/containers/testing';
import { startDaemonProcess, hive } from './test-support/daemon-process.js';
import { PIPELINE_STEPS, type PipelineStep } from './core/pipeline.js';

const BASE_ENV = {
  HIVE_HARNESS_CMD: JSON.stringify([process.execPath, miniHarnessPath]),
  HIVE_MANAGER_PORT: '28000',
  HIVE_AGENT_PORT_BASE: '28100',
};
/** Past these the build passed and deployed/<id> is planted: recovery finishes the deploy. */
const DEPLOYED_STEPS = new Set<PipelineStep>(['deployed', 'main', 'finalize']);
/** Only a build that breaks reaches `fail`. */
const BROKEN = '{ config, ... }: { hive = { model = "x"; ';

async function proposeModel(stateDir: string, model: string, o: { broken?: boolean } = {}): Promise<string> {
  const proposed = path.join(stateDir, 'agents', 'coder', 'config');
  // From applied's tree: the proposed repo may still hold the broken commit of an earlier life.
  const nix = readFileSync(path.join(stateDir, 'applied', 'coder', 'agent.nix'), 'utf8').replace(/model = "[^"]*"/, `model = "${model}"`);
  return commitFiles(proposed, { 'agent.nix': o.broken ? BROKEN : nix, [`${model}.md`]: model }, `use ${model}`);
}

/** The invariants that must hold whatever step the daemon died at. */
async function assertConsistent(stateDir: string, env: Record<string, string>) {
  const applied = path.join(stateDir, 'applied', 'coder');
  const meta = path.join(stateDir, 'meta');
  const approvals = JSON.parse((await hive(['approvals', '--json'], env)).stdout) as { id: number; status: string; terminal_tag: string | null }[];
  for (const a of approvals) {
    const tags = await approvalStateFromTags(applied, a.id);
    expect(a.status, `approval ${a.id}`).toBe(tags.status);
    const terminal = (await listTags(applied, `*/${a.id}`)).filter((t) => /^(deployed|failed|denied)\//.test(t));
    expect(terminal.length).toBeLessThanOrEqual(1);
  }
  expect((await git(applied, ['status', '--porcelain'])).trim()).toBe('');
  const main = (await git(applied, ['rev-parse', 'refs/heads/main'])).trim();
  const ids = (await listTags(applied, 'deployed/*')).map((t) => Number(t.split('/')[1]));
  const last = `deployed/${Math.max(...ids)}`;
  expect((await git(applied, ['rev-parse', `refs/tags/${last}^{commit}`])).trim()).toBe(main);
  expect((await git(meta, ['status', '--porcelain'])).trim()).toBe('');
  expect(await lockedRev(meta, 'coder')).toBe(main);
  const deploys = (await git(meta, ['log', '--format=%s'])).split('\n').filter((s) => s.startsWith('deploy coder'));
  for (const s of deploys) {
    const id = Number(/deployed\/(\d+)/.exec(s)![1]);
    expect(approvals.find((a) => a.id === id)?.status, s).toBe('deployed');
  }
  return { approvals, main };
}

describe("crash matrix: SIGKILL after each of the approval pipeline's steps, then restart", () => {
  it.each(PIPELINE_STEPS)('recovers consistently after dying right after %s', async (step) => {
    const stateDir = tempDir(`hive-crash-${step}-`);
    // First life: a normal daemon spawns the manager and coder.
    let d = await startDaemonProcess({ stateDir, env: BASE_ENV });
    expect((await hive(['spawn', 'coder'], d.env)).code).toBe(0);
    await d.stop();

    // Second life: the same state dir with a fault armed at `step`.
    d = await startDaemonProcess({ stateDir, env: { ...BASE_ENV, HIVE_FAULT_AT: step } });
    const sha = await proposeModel(stateDir, 'opus', { broken: step === 'fail' });
    const id = Number((await hive(['request-apply', 'coder', sha], d.env)).stdout.trim());
    expect(id).toBeGreaterThan(0);
    const r = await hive(['approve', String(id)], d.env);
    expect(r.code).toBe(1); // the daemon died under the request
    await d.proc;

    // Third life: recovery reconciles from the tags.
    d = await startDaemonProcess({ stateDir, env: BASE_ENV });
    try {
      const { approvals, main } = await assertConsistent(stateDir, d.env);
      const a = approvals.find((x) => x.id === id)!;
      if (DEPLOYED_STEPS.has(step)) {
        expect(a).toMatchObject({ status: 'deployed', terminal_tag: `deployed/${id}` });
        expect(main).toBe(sha);
      } else {
        expect(a).toMatchObject({ status: 'failed', terminal_tag: `failed/${id}` });
        expect(main).not.toBe(sha);
        const note = await git(path.join(stateDir, 'applied', 'coder'), ['tag', '-l', '--format=%(contents)', `failed/${id}`]);
        // After `fail` the tag already carried nix's error; before it, recovery says the build was cut short.
        if (step === 'fail') expect(note).toMatch(/error/i);
        else expect(note).toMatch(/stopped during the build/);
      }
      // The agent is still deployable: a new approval goes through.
      const sha2 = await proposeModel(stateDir, 'haiku');
      const id2 = Number((await hive(['request-apply', 'coder', sha2], d.env)).stdout.trim());
      const ok = await hive(['approve', String(id2)], d.env);
      expect(ok.code, ok.stderr).toBe(0);
      await assertConsistent(stateDir, d.env);
    } finally {
      await d.stop();
    }
  });
});
