// Seeding a big hive's state dir through the libraries (applied repos, stub hyperhive) and the daemon's store.
import path from 'node:path';
import { git, pkg, pool, portFree } from './util.mjs';

// seedAppliedAgent is a test helper: it lives in metaflake's testing entry, not its public API.
const metaflake = { ...(await pkg('packages/metaflake/dist/index.js')), ...(await pkg('packages/metaflake/dist/testing.js')) };
const ports = await pkg('packages/ports/dist/index.js');

/**
 * `count` agent names: the manager first, then a<i>. The first `unique` of them get distinct ports
 * that are free right now (they run harnesses); the rest may collide (their harnesses never stay up).
 */
export async function pickNames({ count, unique, portOptions }) {
  const names = [portOptions.managerName];
  const used = new Set([ports.agentWebPort(portOptions.managerName, portOptions)]);
  for (let i = 0; names.length < count; i++) {
    const name = `a${i}`;
    if (names.length < unique) {
      const port = ports.agentWebPort(name, portOptions);
      if (used.has(port) || !(await portFree(port))) continue;
      used.add(port);
    }
    names.push(name);
  }
  return names;
}

/** applied/<n> for every name (an agent flake with agent.nix, main tagged deployed/0 as a spawn leaves it), four at a time. */
export async function seedApplied(appliedRoot, names) {
  await pool(names, 4, async (name) => {
    await metaflake.seedAppliedAgent({ appliedRoot, name });
    // The daemon refuses to start an applied repo without deployed/0 (a pre-overhaul layout).
    await git(path.join(appliedRoot, name), ['tag', 'deployed/0', 'refs/heads/main']);
  });
}

/** Opens the daemon's hive.db through its own Store (migrations run), for rows inserted in one transaction. */
export async function openStore(stateDir) {
  const { Store } = await pkg('apps/daemon/dist/store.js');
  return new Store(path.join(stateDir, 'hive.db'));
}

/** Agent rows as the daemon writes them at spawn; existing rows are left alone. */
export function insertAgents(store, names, status = 'stopped') {
  const t = new Date().toISOString();
  const ins = store.db.prepare(
    `INSERT OR IGNORE INTO agents (name, status, model, deployed_tag, created_at, updated_at) VALUES (?, ?, 'sonnet', NULL, ?, ?)`,
  );
  store.db.transaction(() => {
    for (const n of names) ins.run(n, status, t, t);
  })();
}

/**
 * `count` resolved approvals spread over `names` (deployed, failed with a note, denied with a reason).
 * None pending or building: those would send the daemon's start-up recovery to tags these repos do not have.
 */
export function insertApprovals(store, names, count) {
  const ins = store.db.prepare(
    `INSERT INTO approvals (id, agent, kind, status, commit_ref, fetched_sha, terminal_tag, note, created_at, resolved_at)
     VALUES (?, ?, 'apply', ?, ?, ?, ?, ?, ?, ?)`,
  );
  const base = Date.now() - count * 60_000;
  store.db.transaction(() => {
    for (let id = 1; id <= count; id++) {
      const agent = names[(id * 7919) % names.length];
      const sha = (id.toString(16).padStart(8, '0') + 'c0ffee').repeat(3).slice(0, 40);
      const kind = id % 10 === 0 ? 'failed' : id % 13 === 0 ? 'denied' : 'deployed';
      const note = kind === 'failed' ? `error: syntax error, unexpected '}' at /applied/${agent}/agent.nix:${id % 40}:3` : kind === 'denied' ? 'not now: the model change needs a budget review' : null;
      const created = new Date(base + id * 60_000).toISOString();
      ins.run(id, agent, kind, sha, sha, `${kind}/${id}`, note, created, created);
    }
  })();
}

export { metaflake, ports };
