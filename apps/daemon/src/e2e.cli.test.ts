import { readFileSync } from 'node:fs';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, git, snapshotTree, startScriptedApi, type ScriptedApi } from '@hive/testkit';
import { lockedRev } from '@hive/metaflake';
import { startDaemonProcess, hive, type DaemonProcess } from './test-support/daemon-process.js';

// One real daemon driven only through the CLI, on the default ports (manager 8000, coder 8202).
/** An agent's page API as the operator reaches it: through the daemon, with the operator token. */
async function pageApi(d: DaemonProcess, agent: string, p: string): Promise<Response> {
  const token = readFileSync(path.join(d.stateDir, 'operator-token'), 'utf8').trim();
  return fetch(`${d.url}/agents/${agent}${p}`, { headers: { authorization: `Bearer ${token}` } });
}

describe('hive CLI end to end (process runtime)', () => {
  let d: DaemonProcess;
  let api: ScriptedApi;
  let env: Record<string, string>;
  const sh = (args: string[]) => hive(args, env);

  beforeAll(async () => {
    // The agents run the real claude CLI; only the Anthropic API is scripted (every turn answers with text).
    api = await startScriptedApi([]);
    d = await startDaemonProcess({
      env: { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: 'sk-ant-scripted', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', CLAUDE_CODE_MAX_RETRIES: '0' },
    });
    env = d.env;
  });
  afterAll(async () => {
    await d?.stop();
    await api?.close();
  });

  it('spawns the manager on a fresh state dir', async () => {
    const r = await sh(['status', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.agents).toMatchObject([{ name: 'hm1nd', port: 8000, status: 'running', deployed_tag: 'deployed/0' }]);
  });

  it("hive status shows each agent's activity and what its real claude turns cost today", async () => {
    // The manager's first turn (its Spawned event) runs the real CLI against the scripted API.
    const deadline = Date.now() + 60_000;
    let out = '';
    while (Date.now() < deadline) {
      out = (await sh(['status'])).stdout;
      if (/^hm1nd\*.*\$0\.\d{4} \d+\/\d+/m.test(out) && !/\$0\.0000 0\/0/.test(out)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(out).toMatch(/^NAME\s+PORT\s+STATUS\s+ACTIVITY\s+MODEL\s+DEPLOYED\s+HEALTH\s+TODAY \(cost in\/out\)\s+URL$/m);
    // HEALTH is `-` until a deploy or rollback ran the gate.
    expect(out).toMatch(/^hm1nd\*\s+8000\s+running\s+(idle|working)\s+sonnet\s+deployed\/0\s+-\s+\$0\.\d{4} \d+\/\d+\s+http:\/\/127\.0\.0\.1:\d+\/agents\/hm1nd\/$/m);
    expect(api.messages().length).toBeGreaterThan(0);
  });

  it('spawns coder on port 8202', async () => {
    const r = await sh(['spawn', 'coder']);
    expect(r.stderr + r.stdout).toContain('spawned coder on port 8202');
    expect(r.code).toBe(0);
    const res = await pageApi(d, 'coder', '/api/state');
    expect(((await res.json()) as { name: string }).name).toBe('coder');
  });

  let id = 0;
  let sha = '';
  it('request-apply queues a proposal, diff shows it, approve deploys it', async () => {
    const proposed = path.join(d.stateDir, 'agents', 'coder', 'config');
    const agentNix = (await import('node:fs')).readFileSync(path.join(proposed, 'agent.nix'), 'utf8');
    sha = await commitFiles(
      proposed,
      { 'agent.nix': agentNix.replace('model = "sonnet"', 'model = "opus"'), 'notes.md': 'hello\n' },
      'coder: use opus',
    );
    const req = await sh(['request-apply', 'coder', sha]);
    expect(req.code, req.stderr).toBe(0);
    id = Number(req.stdout.trim());
    expect(id).toBeGreaterThan(0);

    const diff = await sh(['diff', String(id)]);
    expect(diff.stdout).toContain('model = "opus"');
    expect(diff.stdout).toContain('notes.md');

    const ok = await sh(['approve', String(id)]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`deployed/${id}`);

    const applied = path.join(d.stateDir, 'applied', 'coder');
    expect((await git(applied, ['rev-parse', 'refs/heads/main'])).trim()).toBe(sha);
    expect((await git(applied, ['rev-parse', `refs/tags/deployed/${id}^{commit}`])).trim()).toBe(sha);
    const meta = path.join(d.stateDir, 'meta');
    expect((await git(meta, ['log', '-1', '--format=%s'])).trim()).toBe(`deploy coder deployed/${id} ${sha.slice(0, 12)}`);
    expect(await lockedRev(meta, 'coder')).toBe(sha);
    // The restarted harness runs the approved config's model.
    const st = (await (await pageApi(d, 'coder', '/api/state')).json()) as { model: string; default_model?: string };
    expect(st.default_model ?? st.model).toBe('opus');
  });

  it("the manager's inbox hears ApprovalResolved with the deployed tag", async () => {
    const deadline = Date.now() + 30_000;
    let text = '';
    while (Date.now() < deadline) {
      const h = (await (await pageApi(d, 'hm1nd', '/api/history')).json()) as { entries: { text: string }[] };
      text = h.entries.map((e) => e.text).join('\n');
      if (text.includes(`ApprovalResolved: approval ${id}`)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(text).toContain(`ApprovalResolved: approval ${id} for coder is deployed (deployed/${id})`);
  });

  it('a second approve of the same id is refused', async () => {
    const again = await sh(['approve', String(id)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already deployed/);
  });

  it('a broken agent.nix fails the build: failed/<id> carries nix error, main and meta stay', async () => {
    const proposed = path.join(d.stateDir, 'agents', 'coder', 'config');
    const applied = path.join(d.stateDir, 'applied', 'coder');
    const meta = path.join(d.stateDir, 'meta');
    const metaHead = (await git(meta, ['rev-parse', 'HEAD'])).trim();
    const bad = await commitFiles(proposed, { 'agent.nix': '{ config, ... }: { hive = { model = "x"; ' }, 'break it');
    const req = await sh(['request-apply', 'coder', bad]);
    const badId = Number(req.stdout.trim());
    const r = await sh(['approve', String(badId)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error/i);
    const note = await git(applied, ['tag', '-l', '--format=%(contents)', `failed/${badId}`]);
    expect(note).toMatch(/error/);
    expect((await git(applied, ['rev-parse', 'refs/heads/main'])).trim()).toBe(sha);
    expect((await git(meta, ['rev-parse', 'HEAD'])).trim()).toBe(metaHead);
    expect((await git(meta, ['status', '--porcelain'])).trim()).toBe('');
    expect((await git(applied, ['status', '--porcelain'])).trim()).toBe('');
  });

  it('deny plants denied/<id> with the reason', async () => {
    const proposed = path.join(d.stateDir, 'agents', 'coder', 'config');
    const s2 = await commitFiles(proposed, { 'agent.nix': (await import('node:fs')).readFileSync(path.join(d.stateDir, 'applied', 'coder', 'agent.nix'), 'utf8') + '\n' }, 'whitespace');
    const nid = Number((await sh(['request-apply', 'coder', s2])).stdout.trim());
    const r = await sh(['deny', String(nid), '--reason', 'not today']);
    expect(r.code, r.stderr).toBe(0);
    const note = await git(path.join(d.stateDir, 'applied', 'coder'), ['tag', '-l', '--format=%(contents)', `denied/${nid}`]);
    expect(note.trim()).toBe('not today');
    const list = JSON.parse((await sh(['approvals', '--json'])).stdout);
    expect(list.find((a: { id: number }) => a.id === nid)).toMatchObject({ status: 'denied', terminal_tag: `denied/${nid}` });
  });

  it('request-apply of a sha that does not exist is refused and queues nothing', async () => {
    const before = JSON.parse((await sh(['approvals', '--json'])).stdout).length;
    const r = await sh(['request-apply', 'coder', 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse((await sh(['approvals', '--json'])).stdout).length).toBe(before);
  });

  it('spawn .. is refused with nothing created', async () => {
    const before = await snapshotTree(d.stateDir);
    for (const bad of ['..', '/x', 'A', 'toolongname']) {
      const r = await sh(['spawn', bad]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/invalid agent name/);
    }
    const after = await snapshotTree(d.stateDir);
    expect(Object.keys(after).filter((k) => !k.startsWith('state/') && !k.includes('harness.log'))).toEqual(
      Object.keys(before).filter((k) => !k.startsWith('state/') && !k.includes('harness.log')),
    );
    expect(readdirSync(path.join(d.stateDir, 'agents')).sort()).toEqual(['coder', 'hm1nd']);
  });

  it('agao then aghx: the second is refused naming port 8545 and agao', async () => {
    expect((await sh(['spawn', 'agao'])).code).toBe(0);
    const r = await sh(['spawn', 'aghx']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/port 8545 already taken by agao — rename one of them/);
    expect(existsSync(path.join(d.stateDir, 'agents', 'aghx'))).toBe(false);
  });

  it('destroy --purge removes the agent, its repos and its meta input', async () => {
    const r = await sh(['destroy', 'agao', '--purge']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(d.stateDir, 'applied', 'agao'))).toBe(false);
    const flake = (await import('node:fs')).readFileSync(path.join(d.stateDir, 'meta', 'flake.nix'), 'utf8');
    expect(flake).not.toContain('agent-agao');
    expect((await sh(['destroy', 'agao'])).code).toBe(1);
  });

  it('auto-update relocks hyperhive and rebuilds every agent', async () => {
    const r = await sh(['auto-update']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rebuilt: .*coder/);
    expect(r.stdout).toMatch(/hm1nd/);
  });

  it("logs shows the agent's harness output", async () => {
    const r = await sh(['logs', 'coder', '-n', '50']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/coder|listening/);
    expect((await sh(['logs', 'nobody'])).stderr).toMatch(/no agent named nobody/);
  });

  it('rebuild relocks and restarts the agent', async () => {
    const r = await sh(['rebuild', 'coder']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse((await sh(['status', '--json'])).stdout);
    expect(s.agents.find((a: { name: string }) => a.name === 'coder')).toMatchObject({ status: 'running', model: 'opus' });
  });
});
