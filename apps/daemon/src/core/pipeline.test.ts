import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, git, tempDir } from '@hive/testkit';
import { approvalStateFromTags, proposalTag, readTagMessage, tag } from '@hive/gitops';
import { lockedRev } from '@hive/metaflake';
import { miniHarnessPath } from '@hive/containers/testing';
import { ConfigError, loadConfig, startDaemon, type RunningDaemon } from '../index.js';
import { CLI } from '../test-support/daemon-process.js';
import { deploy, failDeploy, PIPELINE_STEPS, resumeDeployed, type PipelineStep } from './pipeline.js';

const ENV = { HIVE_MANAGER_PORT: '19000', HIVE_AGENT_PORT_BASE: '19100', HIVE_HARNESS_CMD: JSON.stringify([process.execPath, miniHarnessPath]), HIVE_SANDBOX: 'none' };

/** Thrown by an observer to stop a run right after a step, as a SIGKILL there would (in-process). */
class StopHere extends Error {}

describe('the approval pipeline', () => {
  let d: RunningDaemon;
  let proposed: string;
  let applied: string;
  let meta: string;
  const seen: PipelineStep[] = [];
  let stopAt: PipelineStep | null = null;

  beforeAll(async () => {
    const stateDir = tempDir('hive-pipeline-');
    d = await startDaemon(loadConfig({ ...ENV, HIVE_STATE_DIR: stateDir }, { dashboardPort: 0 }), { log: pino({ level: 'silent' }) });
    await d.hive.spawn('coder');
    proposed = path.join(stateDir, 'agents', 'coder', 'config');
    applied = path.join(stateDir, 'applied', 'coder');
    meta = path.join(stateDir, 'meta');
    d.hive.ctx.fault = (step) => {
      seen.push(step);
      if (step === stopAt) throw new StopHere(step);
    };
  });
  afterAll(async () => {
    await d?.close();
  });

  /** Commits `files` in coder's proposed repo and queues them as the manager would; returns id and sha. */
  async function propose(files: Record<string, string>, message: string) {
    const sha = await commitFiles(proposed, files, message);
    const { approval_id } = await d.hive.requestApplyCommit('hm1nd', 'coder', sha);
    seen.length = 0;
    return { id: approval_id, sha };
  }
  const main = async () => (await git(applied, ['rev-parse', 'refs/heads/main'])).trim();
  const clean = async (repo: string) => (await git(repo, ['status', '--porcelain'])).trim();
  const model = (m: string) => ({ 'agent.nix': readFileSync(path.join(proposed, 'agent.nix'), 'utf8').replace(/model = "[^"]*"/, `model = "${m}"`) });

  it('names its steps in the order a deploy runs them, fail last', () => {
    expect(PIPELINE_STEPS).toEqual(['stamp', 'read-tree', 'prepare', 'build', 'health', 'deployed', 'main', 'finalize', 'fail']);
  });

  it('runs stamp → read-tree → prepare → build → health → deployed → main → finalize for an approved proposal', async () => {
    const { id, sha } = await propose(model('opus'), 'use opus');
    const a = await d.hive.approve(id);
    expect(seen).toEqual(['stamp', 'read-tree', 'prepare', 'build', 'health', 'deployed', 'main', 'finalize']);
    expect(a).toMatchObject({ status: 'deployed', terminal_tag: `deployed/${id}` });
    expect(await main()).toBe(sha);
    expect(await lockedRev(meta, 'coder')).toBe(sha);
    expect(await clean(meta)).toBe('');
    expect(d.hive.state().agents.find((x) => x.name === 'coder')).toMatchObject({ deployed_tag: `deployed/${id}`, config_model: 'opus' });
  });

  it('takes the fail step instead of deployed when the build breaks, and keeps main and meta', async () => {
    const before = { main: await main(), meta: (await git(meta, ['rev-parse', 'HEAD'])).trim() };
    const { id } = await propose({ 'agent.nix': '{ config, ... }: { hive = { model = "x"; ' }, 'break it');
    const a = await d.hive.approve(id);
    expect(seen).toEqual(['stamp', 'read-tree', 'prepare', 'fail']);
    expect(a).toMatchObject({ status: 'failed', terminal_tag: `failed/${id}` });
    expect(await readTagMessage(applied, `failed/${id}`)).toMatch(/error/);
    expect(await main()).toBe(before.main);
    expect((await git(meta, ['rev-parse', 'HEAD'])).trim()).toBe(before.meta);
    expect(await clean(applied)).toBe('');
    expect(await clean(meta)).toBe('');
    // The next proposal starts from the repaired tree.
    await commitFiles(proposed, { 'agent.nix': readFileSync(path.join(applied, 'agent.nix'), 'utf8') }, 'unbreak');
  });

  it('deploys an older commit under a new approval id (what a rollback does): main and the meta lock move back', async () => {
    const first = await propose(model('haiku'), 'use haiku');
    await d.hive.approve(first.id);
    const second = await propose(model('sonnet'), 'use sonnet');
    await d.hive.approve(second.id);
    expect(await main()).toBe(second.sha);
    const store = d.hive.ctx.store;
    const id = store.nextApprovalId();
    store.insertApproval({ id, agent: 'coder', kind: 'apply', commit_ref: first.sha, fetched_sha: first.sha });
    await tag(applied, proposalTag(id), first.sha);
    seen.length = 0;
    const out = await d.hive.ctx.locks.run('coder', () => deploy(d.hive.ctx, { agent: 'coder', id, sha: first.sha }));
    expect(out).toEqual({ ok: true, terminalTag: `deployed/${id}` });
    expect(seen).toEqual(['stamp', 'read-tree', 'prepare', 'build', 'health', 'deployed', 'main', 'finalize']);
    expect(await main()).toBe(first.sha);
    expect(await lockedRev(meta, 'coder')).toBe(first.sha);
    expect((await git(meta, ['log', '-1', '--format=%s'])).trim()).toBe(`deploy coder deployed/${id} ${first.sha.slice(0, 12)}`);
    expect(readFileSync(path.join(applied, 'agent.nix'), 'utf8')).toContain('model = "haiku"');
  });

  it('resumes a run stopped after deployed/<id> (main moved with it): the tree and finalize, and a second resume changes nothing', async () => {
    const { id, sha } = await propose(model('opus'), 'opus again');
    stopAt = 'deployed';
    await expect(d.hive.ctx.locks.run('coder', () => deploy(d.hive.ctx, { agent: 'coder', id, sha }))).rejects.toBeInstanceOf(StopHere);
    stopAt = null;
    expect((await approvalStateFromTags(applied, id)).status).toBe('deployed');
    expect(await main()).toBe(sha); // deployed/<id> and main land in one ref transaction
    expect(await clean(meta)).not.toBe(''); // the lock is pinned to the proposal, uncommitted
    seen.length = 0;
    await resumeDeployed(d.hive.ctx, { agent: 'coder', id, sha });
    expect(seen).toEqual(['main', 'finalize']);
    expect(await main()).toBe(sha);
    expect(await lockedRev(meta, 'coder')).toBe(sha);
    expect(await clean(meta)).toBe('');
    const head = (await git(meta, ['rev-parse', 'HEAD'])).trim();
    await resumeDeployed(d.hive.ctx, { agent: 'coder', id, sha });
    expect((await git(meta, ['rev-parse', 'HEAD'])).trim()).toBe(head);
    d.hive.ctx.store.resolveApproval(id, { status: 'deployed', terminal_tag: `deployed/${id}`, note: null });
  });

  it('fails a run stopped mid-way: failed/<id> with the note, the tree back at main, the meta lock restored', async () => {
    const before = await main();
    const { id, sha } = await propose(model('haiku'), 'haiku again');
    stopAt = 'prepare';
    await expect(d.hive.ctx.locks.run('coder', () => deploy(d.hive.ctx, { agent: 'coder', id, sha }))).rejects.toBeInstanceOf(StopHere);
    stopAt = null;
    expect(await clean(meta)).not.toBe('');
    seen.length = 0;
    await failDeploy(d.hive.ctx, { agent: 'coder', id, sha }, 'stopped for the test');
    expect(seen).toEqual(['fail']);
    expect(await approvalStateFromTags(applied, id)).toMatchObject({ status: 'failed', terminalTag: `failed/${id}`, note: 'stopped for the test' });
    expect(await main()).toBe(before);
    expect(await clean(applied)).toBe('');
    expect(await clean(meta)).toBe('');
    expect(await lockedRev(meta, 'coder')).toBe(before);
    d.hive.ctx.store.resolveApproval(id, { status: 'failed', terminal_tag: `failed/${id}`, note: 'stopped for the test' });
  });
});

describe('HIVE_FAULT_AT names a pipeline step', () => {
  it('refuses an unknown step name in one line that lists the steps', () => {
    const load = () => loadConfig({ HIVE_STATE_DIR: tempDir('hive-cfg-'), HIVE_FAULT_AT: 'after-stamp' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`bad config HIVE_FAULT_AT="after-stamp": a pipeline step: ${PIPELINE_STEPS.join(', ')}`);
  });

  it('accepts every step name', () => {
    for (const step of PIPELINE_STEPS) expect(loadConfig({ HIVE_STATE_DIR: tempDir('hive-cfg-'), HIVE_FAULT_AT: step }).faultAt).toBe(step);
  });

  it('hive up exits 2 with that one line, before touching the state dir', async () => {
    const stateDir = path.join(tempDir('hive-cfg-'), 'state');
    const r = await execa(process.execPath, [CLI, 'up', '--port', '0'], { env: { ...ENV, HIVE_STATE_DIR: stateDir, HIVE_FAULT_AT: 'during-build' }, reject: false, timeout: 60_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('HIVE_FAULT_AT="during-build": a pipeline step: stamp, read-tree,');
    expect(() => readFileSync(path.join(stateDir, 'hive.db'))).toThrow();
  });
});
