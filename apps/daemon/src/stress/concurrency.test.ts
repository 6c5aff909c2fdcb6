import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, git } from '@hive/testkit';
import { approvalStateFromTags, listTags } from '@hive/gitops';
import { agentInput, lockedRev, parseLock } from '@hive/metaflake';
import { miniHarnessPath } from '@hive/containers/testing';
import type { Approval, HiveEvent } from '@hive/protocol';
import { startDaemonProcess, type DaemonProcess } from '../test-support/daemon-process.js';

// Own port block: test files bind fixed agent ports.
const ENV = {
  HIVE_HARNESS_CMD: JSON.stringify([process.execPath, miniHarnessPath]),
  HIVE_MANAGER_PORT: '38000',
  HIVE_AGENT_PORT_BASE: '38100',
  HIVE_SANDBOX: 'none',
};

interface Reply {
  status: number;
  json: Record<string, unknown>;
}

interface Pair {
  agent: string;
  sha: string;
  id: number;
  approve: Reply;
}

const DEPLOY_SUBJECT = /^deploy ([a-z][a-z0-9-]*) deployed\/(\d+) ([0-9a-f]{12})$/;

describe('concurrency: parallel request_apply_commit + approve pairs against a real daemon', () => {
  let d: DaemonProcess;
  let managerToken = '';
  const operatorToken = () => readFileSync(path.join(d.stateDir, 'operator-token'), 'utf8').trim();
  const pairs: Pair[] = [];

  async function api(method: string, p: string, o: { body?: unknown; token?: string } = {}): Promise<Reply> {
    const res = await fetch(d.url + p, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token ?? operatorToken()}` },
      body: method === 'GET' ? undefined : JSON.stringify(o.body ?? {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  const requestApply = (agent: string, sha: string) => api('POST', '/api/agent/request_apply_commit', { body: { name: agent, sha }, token: managerToken });
  const approve = (id: number) => api('POST', `/api/approvals/${id}/approve`);

  /** `n` commits on top of each other in the agent's proposed repo (as the manager would make them). */
  async function propose(agent: string, n: number, tag: string): Promise<string[]> {
    const dir = path.join(d.stateDir, 'agents', agent, 'config');
    const shas: string[] = [];
    for (let i = 0; i < n; i++) shas.push(await commitFiles(dir, { [`notes/${tag}-${i}.md`]: `${agent} ${tag} ${i}\n` }, `${agent}: ${tag} ${i}`));
    return shas;
  }

  /** One request + approve, as a script would do it; pairs run side by side. */
  async function pair(agent: string, sha: string): Promise<Pair> {
    const r = await requestApply(agent, sha);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const id = r.json.approval_id as number;
    return { agent, sha, id, approve: await approve(id) };
  }

  async function events(agent: string): Promise<HiveEvent[]> {
    const r = await api('GET', `/api/events?agent=${agent}&limit=1000`);
    return (r.json.events as HiveEvent[]).slice().reverse();
  }

  async function approvals(): Promise<Approval[]> {
    return (await api('GET', '/api/approvals')).json.approvals as Approval[];
  }

  /** Every meta commit oldest first, with the lock it holds: `deploy` subjects parsed. */
  async function metaHistory() {
    const meta = path.join(d.stateDir, 'meta');
    const lines = (await git(meta, ['log', '--reverse', '--format=%H %P|%s', 'HEAD'])).split('\n').filter(Boolean);
    const out = [];
    for (const l of lines) {
      const [ids, subject] = [l.slice(0, l.indexOf('|')), l.slice(l.indexOf('|') + 1)];
      const [sha, ...parents] = ids.trim().split(' ');
      const m = DEPLOY_SUBJECT.exec(subject);
      const lock = parseLock(await git(meta, ['show', `${sha}:flake.lock`]).catch(() => null));
      out.push({ sha: sha!, parents, subject, deploy: m ? { agent: m[1]!, id: Number(m[2]), sha12: m[3]! } : null, lock });
    }
    return out;
  }

  const pinOf = (lock: ReturnType<typeof parseLock>, agent: string): string | null => {
    if (!lock) return null;
    const ref = lock.nodes[lock.root]?.inputs?.[agentInput(agent)];
    const rev = typeof ref === 'string' ? lock.nodes[ref]?.locked?.rev : undefined;
    return typeof rev === 'string' ? rev : null;
  };
  const pins = (lock: ReturnType<typeof parseLock>): Record<string, string | null> => {
    const inputs = Object.keys(lock?.nodes[lock.root]?.inputs ?? {}).filter((k) => k.startsWith('agent-'));
    return Object.fromEntries(inputs.map((k) => [k, pinOf(lock, k.slice('agent-'.length))]));
  };

  /**
   * The guarantees, per agent: each approval built exactly once and deployed its own commit; builds never
   * overlapped; meta history linear with one deploy commit per approval pinning exactly that commit and
   * touching no other agent's pin; applied main, the meta lock and the agent row agree on the last deploy.
   */
  async function assertSerialisedAndComplete(agents: string[]) {
    const all = await approvals();
    const history = await metaHistory();
    const meta = path.join(d.stateDir, 'meta');

    expect((await git(meta, ['rev-list', '--merges', 'HEAD'])).trim(), 'merge commits in meta').toBe('');
    expect(history.every((c) => c.parents.length <= 1)).toBe(true);
    expect((await git(meta, ['status', '--porcelain'])).trim()).toBe('');
    const deploys = history.filter((c) => c.deploy);
    // No deploy commit pins anything but its own agent: a parallel deploy never reverts another's pin.
    for (const c of deploys) {
      const parent = history.find((p) => p.sha === c.parents[0]);
      const before = pins(parent?.lock ?? null);
      const after = pins(c.lock);
      for (const k of Object.keys(after)) if (k !== agentInput(c.deploy!.agent)) expect(after[k], `${c.subject} touched ${k}`).toBe(before[k]);
    }

    const state = (await api('GET', '/api/state')).json as { agents: { name: string; status: string; deployed_tag: string | null }[] };
    for (const agent of agents) {
      const applied = path.join(d.stateDir, 'applied', agent);
      const mine = all.filter((a) => a.agent === agent && a.kind === 'apply');
      const ids = mine.map((a) => a.id);
      expect(mine.length).toBeGreaterThan(0);

      // Tags: one terminal tag per approval, all deployed; nothing built twice or left half-way.
      const terminal = [...(await listTags(applied, 'deployed/*')), ...(await listTags(applied, 'failed/*')), ...(await listTags(applied, 'denied/*'))]
        .map((t) => Number(t.split('/')[1]))
        .filter((id) => id > 0); // deployed/0 is the spawn's initial config, not an approval
      expect(terminal.sort((a, b) => a - b), `${agent} terminal tags`).toEqual(ids.slice().sort((a, b) => a - b));
      for (const a of mine) {
        expect(a, `${agent} approval ${a.id}`).toMatchObject({ status: 'deployed', terminal_tag: `deployed/${a.id}` });
        expect((await approvalStateFromTags(applied, a.id)).status).toBe('deployed');
        expect((await git(applied, ['rev-parse', `refs/tags/deployed/${a.id}^{commit}`])).trim()).toBe(a.fetched_sha);
      }
      expect((await listTags(applied, 'building/*')).length).toBe(ids.length);

      // Events: exactly one build per approval, and builds of one agent never overlap.
      const ev = await events(agent);
      const builds = ev.filter((e) => e.type === 'ApprovalBuilding' || e.type === 'Rebuilt');
      for (const id of ids) {
        expect(builds.filter((e) => e.type === 'ApprovalBuilding' && e.data.id === id), `${agent} #${id} built`).toHaveLength(1);
        expect(builds.filter((e) => e.type === 'Rebuilt' && e.data.terminal_tag === `deployed/${id}`), `${agent} #${id} rebuilt`).toHaveLength(1);
      }
      const sequence = builds.filter((e) => e.type === 'Rebuilt' ? ids.includes(Number(String(e.data.terminal_tag).split('/')[1])) : ids.includes(e.data.id as number));
      const order: number[] = [];
      sequence.forEach((e, i) => {
        // Building a, Rebuilt a, Building b, Rebuilt b, …: strict alternation is serialisation.
        expect(e.type, `${agent} event ${i}`).toBe(i % 2 === 0 ? 'ApprovalBuilding' : 'Rebuilt');
        if (e.type === 'ApprovalBuilding') order.push(e.data.id as number);
        else expect(e.data.terminal_tag).toBe(`deployed/${order.at(-1)}`);
      });

      // Meta: one deploy commit per approval, in the order the builds ran, each pinning that approval's commit.
      const mineDeploys = deploys.filter((c) => c.deploy!.agent === agent);
      expect(mineDeploys.map((c) => c.deploy!.id), `${agent} deploy commits`).toEqual(order);
      for (const c of mineDeploys) {
        const a = mine.find((x) => x.id === c.deploy!.id)!;
        expect(c.deploy!.sha12).toBe(a.fetched_sha!.slice(0, 12));
        expect(pinOf(c.lock, agent), c.subject).toBe(a.fetched_sha);
      }

      // The last deploy is what runs: applied main, the meta lock and the agent row agree on it.
      const last = mine.find((a) => a.id === order.at(-1))!;
      expect((await git(applied, ['rev-parse', 'refs/heads/main'])).trim(), `${agent} applied main`).toBe(last.fetched_sha);
      expect((await git(applied, ['status', '--porcelain'])).trim()).toBe('');
      expect(await lockedRev(meta, agent)).toBe(last.fetched_sha);
      expect(state.agents.find((a) => a.name === agent), agent).toMatchObject({ status: 'running', deployed_tag: `deployed/${last.id}` });
    }
  }

  beforeAll(async () => {
    d = await startDaemonProcess({ env: ENV });
    managerToken = readFileSync(path.join(d.stateDir, 'state', 'hm1nd', 'token'), 'utf8').trim();
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('20 pairs for one agent fired at once: distinct ids, each deployed exactly once, in one serial order', async () => {
    expect((await api('POST', '/api/agents', { body: { name: 'coder' } })).status).toBe(201);
    const shas = await propose('coder', 20, 'solo');
    const done = await Promise.all(shas.map((sha) => pair('coder', sha)));
    pairs.push(...done);

    expect(new Set(done.map((p) => p.id)).size, 'distinct approval ids').toBe(20);
    for (const p of done) {
      expect(p.approve.status, JSON.stringify(p.approve.json)).toBe(200);
      expect(p.approve.json.approval).toMatchObject({ id: p.id, agent: 'coder', status: 'deployed', terminal_tag: `deployed/${p.id}`, fetched_sha: p.sha });
    }
    await assertSerialisedAndComplete(['coder']);
  });

  it('5 agents × 4 pairs fired at once: serialised per agent, none lost or double-built, meta linear', async () => {
    const agents = ['w1', 'w2', 'w3', 'w4', 'w5'];
    // Spawned side by side too: the meta lock serialises their syncs.
    const spawned = await Promise.all(agents.map((name) => api('POST', '/api/agents', { body: { name } })));
    for (const s of spawned) expect(s.status, JSON.stringify(s.json)).toBe(201);
    // A later spawn's meta sync must not drop an agent an earlier one added.
    for (const a of ['coder', ...agents]) expect(await lockedRev(path.join(d.stateDir, 'meta'), a), `agent-${a} in meta`).not.toBeNull();
    const work: [string, string][] = [];
    for (const a of agents) for (const sha of await propose(a, 4, 'fleet')) work.push([a, sha]);
    const done = await Promise.all(work.map(([a, sha]) => pair(a, sha)));
    pairs.push(...done);

    expect(new Set(pairs.map((p) => p.id)).size, 'distinct approval ids across agents').toBe(pairs.length);
    for (const p of done) {
      expect(p.approve.status, JSON.stringify(p.approve.json)).toBe(200);
      expect(p.approve.json.approval, String((p.approve.json.approval as Approval).note)).toMatchObject({ id: p.id, agent: p.agent, status: 'deployed', terminal_tag: `deployed/${p.id}`, fetched_sha: p.sha });
    }
    await assertSerialisedAndComplete(['coder', ...agents]);
  });

  it('two approves of one id at once: one deploys, the other is a 409, exactly one build', async () => {
    const [sha] = await propose('coder', 1, 'twice');
    const r = await requestApply('coder', sha!);
    const id = r.json.approval_id as number;
    const [a, b] = await Promise.all([approve(id), approve(id)]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const ok = a.status === 200 ? a : b;
    const refused = a.status === 200 ? b : a;
    expect(ok.json.approval).toMatchObject({ id, status: 'deployed', terminal_tag: `deployed/${id}` });
    expect(refused.json.error).toMatch(new RegExp(`approval ${id} is already (building|deployed)`));
    await assertSerialisedAndComplete(['coder']);
  });

  it('an approve racing a purge of its agent ends resolved, never stuck building', async () => {
    for (const name of ['p1', 'p2']) expect((await api('POST', '/api/agents', { body: { name } })).status).toBe(201);
    const ids: Record<string, number> = {};
    for (const name of ['p1', 'p2']) {
      const [sha] = await propose(name, 1, 'doomed');
      ids[name] = (await requestApply(name, sha!)).json.approval_id as number;
    }
    // p1: the purge lands first, then the approve. p2: both at once, whichever wins the agent lock.
    expect((await api('DELETE', '/api/agents/p1?purge=1')).status).toBe(200);
    const late = await approve(ids.p1!);
    expect(late.status).toBe(200);
    expect(late.json.approval).toMatchObject({ id: ids.p1, status: 'failed', terminal_tag: null });
    expect(String((late.json.approval as Approval).note)).toMatch(/applied repo is gone/);
    const [raced] = await Promise.all([approve(ids.p2!), api('DELETE', '/api/agents/p2?purge=1')]);
    expect(raced.status).toBe(200);
    expect(['deployed', 'failed']).toContain((raced.json.approval as Approval).status);

    const all = await approvals();
    for (const id of Object.values(ids)) {
      expect(['deployed', 'failed'], `approval ${id}`).toContain(all.find((a) => a.id === id)?.status);
      expect((await approve(id)).status, `approve ${id} again`).toBe(409);
    }
    expect(((await api('GET', '/api/state')).json.agents as { name: string }[]).map((a) => a.name)).not.toContain('p1');
    expect((await git(path.join(d.stateDir, 'meta'), ['status', '--porcelain'])).trim()).toBe('');
  });
});
