import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commitFiles, git, initRepo, snapshotTree, tempDir } from '@hive/testkit';
import { miniHarnessPath } from '@hive/containers/testing';
import { loadConfig, startDaemon, type RunningDaemon } from './index.js';

// The gate's git side, driven as the manager drives it: its token, its write access to agents/.
const PORTS = { HIVE_MANAGER_PORT: '47000', HIVE_AGENT_PORT_BASE: '47100' };

describe('the approval gate refuses what the manager can plant in git', () => {
  let d: RunningDaemon;
  let root: string;
  let managerToken: string;
  const op = () => ({ authorization: `Bearer ${d.hive.ctx.operator.token}` });
  const mgr = () => ({ authorization: `Bearer ${managerToken}` });

  async function call(method: string, p: string, body?: unknown, headers: Record<string, string> = op()) {
    const res = await fetch(d.url + p, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
    const text = await res.text();
    return { status: res.status, text, json: (() => { try { return JSON.parse(text); } catch { return text; } })() };
  }
  const apply = (sha: string, name = 'coder') => call('POST', '/api/agent/request_apply_commit', { name, sha }, mgr());
  const approvals = async () => (await call('GET', '/api/approvals')).json.approvals as Array<{ id: number; agent: string; kind: string; status: string }>;
  const proposed = (n = 'coder') => path.join(root, 'agents', n, 'config');
  const applied = (n = 'coder') => path.join(root, 'applied', n);

  /** Commits `plant`'s changes in coder's proposed repo as the manager would (plain git, its own config). */
  async function propose(plant: (dir: string) => void | Promise<void>, message = 'manager change', addAll = true) {
    await plant(proposed());
    if (addAll) await git(proposed(), ['add', '-A']);
    await git(proposed(), ['commit', '-q', '--allow-empty', '-m', message]);
    return (await git(proposed(), ['rev-parse', 'HEAD'])).trim();
  }

  /** A refusal: one-line 4xx, no new approval row, applied/<n> byte for byte as before. */
  async function expectRefused(request: () => Promise<{ status: number; json: { error: string } }>, status: number, error: RegExp | string, agent = 'coder') {
    const rows = await approvals();
    const before = existsSync(applied(agent)) ? await snapshotTree(applied(agent)) : null;
    const r = await request();
    expect(r.status).toBe(status);
    if (typeof error === 'string') expect(r.json.error).toBe(error);
    else expect(r.json.error).toMatch(error);
    expect(r.json.error).not.toContain('\n');
    expect(await approvals()).toEqual(rows);
    if (before) expect(await snapshotTree(applied(agent))).toEqual(before);
    return r;
  }

  beforeAll(async () => {
    root = tempDir('hive-gate-git-');
    const config = loadConfig({ ...PORTS, HIVE_STATE_DIR: root, HIVE_HARNESS_CMD: JSON.stringify([process.execPath, miniHarnessPath]), HIVE_SANDBOX: 'none' }, { dashboardPort: 0 });
    d = await startDaemon(config, { log: pino({ level: 'silent' }) });
    managerToken = readFileSync(path.join(root, 'state', 'hm1nd', 'token'), 'utf8').trim();
    expect((await call('POST', '/api/agents', { name: 'coder' })).status).toBe(201);
  });
  afterAll(async () => {
    await d?.close();
  });

  it('queues an ordinary commit and lists it in the diff (positive control)', async () => {
    const sha = await propose((dir) => writeFileSync(path.join(dir, 'extra.nix'), '{ }\n'));
    const r = await apply(sha);
    expect(r.status).toBe(200);
    const diff = await call('GET', `/api/approvals/${r.json.approval_id}/diff`);
    expect(diff.json.files).toEqual([expect.objectContaining({ path: 'extra.nix', added: 1, status: 'added', kind: 'file', new_mode: '100644' })]);
    expect((await call('POST', `/api/approvals/${r.json.approval_id}/deny`, { reason: 'control' })).status).toBe(200);
  });

  it('refuses a symlink to the manager token before it queues; the token is in no answer, event or tag', async () => {
    const sha = await propose((dir) => symlinkSync('../../state/hm1nd/token', path.join(dir, 'notes.nix')));
    await expectRefused(() => apply(sha), 422, 'proposal refused: notes.nix is a symlink (symlinks are not allowed in agent configs)');
    const everything = [(await call('GET', '/api/state')).text, (await call('GET', '/api/events?limit=200')).text, await git(applied(), ['for-each-ref'])].join('\n');
    expect(everything).not.toContain(managerToken);
    expect(await git(applied(), ['tag', '-l', 'proposal/*'])).not.toMatch(new RegExp(`proposal/${(await approvals()).length + 1}\\b`));
    await git(proposed(), ['rm', '-q', 'notes.nix']);
  });

  it('refuses .gitattributes, a submodule and a flake input naming a host dir', async () => {
    const attrs = await propose((dir) => writeFileSync(path.join(dir, '.gitattributes'), '* -diff\n'));
    await expectRefused(() => apply(attrs), 422, 'proposal refused: .gitattributes is a .gitattributes file (attributes are not allowed in agent configs)');
    await git(proposed(), ['rm', '-q', '.gitattributes']);
    await git(proposed(), ['update-index', '--add', '--cacheinfo', `160000,${'c'.repeat(40)},vendor`]);
    const sub = await propose(() => {}, 'gitlink', false);
    await expectRefused(() => apply(sub), 422, /^proposal refused: vendor is a submodule/);
    await git(proposed(), ['rm', '-q', '--cached', 'vendor']);
    const flake = await propose((dir) =>
      writeFileSync(path.join(dir, 'flake.nix'), `{ inputs.host.url = "path:${root}/state"; outputs = { self, host }: { nixosModules.default = import ./agent.nix; }; }\n`),
    );
    await expectRefused(() => apply(flake), 422, /^proposal refused: flake\.nix declares the input host \(/);
    await git(proposed(), ['checkout', '-q', 'HEAD~3', '--', 'flake.nix']);
  });

  it('refuses alternates in the proposed repo, so no host commit reaches applied; fine again once removed', async () => {
    const host = await initRepo();
    const secret = await commitFiles(host, { 'agent.nix': '{ ... }: { }\n' }, 'a host repo commit');
    const alt = path.join(proposed(), '.git/objects/info/alternates');
    writeFileSync(alt, path.join(host, '.git/objects') + '\n');
    await expectRefused(() => apply(secret), 422, /\.git\/objects\/info\/alternates exists \(a proposed repo may not borrow objects from other repos\): remove it$/);
    rmSync(alt);
    await expectRefused(() => apply(secret), 404, /^commit [0-9a-f]{40} not found in /);
    const own = await propose((dir) => writeFileSync(path.join(dir, 'own.nix'), '{ }\n'));
    const r = await apply(own);
    expect(r.status).toBe(200);
    expect((await call('POST', `/api/approvals/${r.json.approval_id}/deny`, { reason: 'control' })).status).toBe(200);
  });

  it('refuses an abbreviated sha even when it names exactly one commit', async () => {
    const sha = await propose((dir) => writeFileSync(path.join(dir, 'short.nix'), '{ }\n'));
    for (const short of [sha.slice(0, 4), sha.slice(0, 12)]) await expectRefused(() => apply(short), 400, /full commit sha: 40 \(or 64\) hex/);
  });

  it('honours the operator\'s per-agent relaxation, which the manager cannot write', async () => {
    const sha = await propose((dir) => symlinkSync('agent.nix', path.join(dir, 'alias.nix')));
    await expectRefused(() => apply(sha), 422, /alias\.nix is a symlink/);
    mkdirSync(path.join(root, 'policy'), { recursive: true });
    writeFileSync(path.join(root, 'policy', 'coder.json'), JSON.stringify({ allowSymlinks: true }));
    const r = await apply(sha);
    expect(r.status).toBe(200);
    const diff = await call('GET', `/api/approvals/${r.json.approval_id}/diff`);
    expect(diff.json.text).toContain('# added symlink, mode 120000, symlink -> agent.nix\n');
    expect((await call('POST', `/api/approvals/${r.json.approval_id}/deny`, { reason: 'control' })).status).toBe(200);
    rmSync(path.join(root, 'policy', 'coder.json'));
  });

  it('request_init_config never runs the filter driver of a manager-made empty repo, and its diff ignores replace refs', async () => {
    const dir = proposed('newb');
    mkdirSync(dir, { recursive: true });
    await initRepo(dir);
    const marker = path.join(root, 'agents', 'newb', 'filter-ran');
    const script = path.join(root, 'agents', 'newb', 'filter.sh');
    writeFileSync(script, `#!/bin/sh\ntouch '${marker}'\ncat\n`);
    chmodSync(script, 0o755);
    await git(dir, ['config', 'filter.x.clean', script]);
    writeFileSync(path.join(dir, '.git/info/attributes'), '* filter=x\n');
    const r = await call('POST', '/api/agent/request_init_config', { name: 'newb' }, mgr());
    expect(r.status).toBe(200);
    expect(existsSync(marker)).toBe(false);
    // The manager now swaps what git shows for the seed commit: the operator's diff must not follow.
    const decoy = await commitFiles(dir, { 'agent.nix': 'HARMLESS DECOY\n' }, 'decoy');
    await git(dir, ['replace', r.json.fetched_sha, decoy]);
    expect(await git(dir, ['show', `${r.json.fetched_sha}:agent.nix`])).toContain('HARMLESS DECOY'); // git itself is fooled
    const diff = await call('GET', `/api/approvals/${r.json.approval_id}/diff`);
    expect(diff.json.files.map((f: { path: string }) => f.path)).toEqual(['agent.nix', 'flake.nix']);
    expect(diff.json.text).not.toContain('HARMLESS DECOY');
    expect(diff.json.text).toContain('+  hive = {');
    expect((await call('POST', `/api/approvals/${r.json.approval_id}/deny`, { reason: 'control' })).status).toBe(200);
  });

  it('request_init_config refuses a manager-made repo whose main holds a symlink, queueing nothing', async () => {
    const dir = proposed('sneak');
    mkdirSync(dir, { recursive: true });
    await initRepo(dir);
    symlinkSync('../../../state/hm1nd/token', path.join(dir, 'agent.nix'));
    await git(dir, ['add', '-A']);
    await git(dir, ['commit', '-q', '-m', 'sneaky init']);
    const r = await expectRefused(() => call('POST', '/api/agent/request_init_config', { name: 'sneak' }, mgr()), 422, 'proposal refused: agent.nix is a symlink (symlinks are not allowed in agent configs)', 'sneak');
    expect(r.json.error).not.toContain(managerToken);
    expect(existsSync(applied('sneak'))).toBe(false);
  });
});
