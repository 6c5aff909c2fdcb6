// Dev-only look-and-feel mock: serves dist/ and canned /api answers. Never used by tests (apps/e2e runs the real daemon).
// Usage: pnpm --filter @hive/dashboard build && node apps/dashboard/dev/mock-server.mjs 5199
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const dist = path.resolve(import.meta.dirname, '../dist');
const now = () => new Date().toISOString();
const diffText = `diff --git a/agent.nix b/agent.nix
index 1111111..2222222 100644
--- a/agent.nix
+++ b/agent.nix
@@ -1,4 +1,5 @@
 { pkgs, ... }:
 {
-  hive.model = "sonnet";
+  hive.model = "opus";
+  environment.systemPackages = [ pkgs.ripgrep ];
 }
diff --git a/notes/plan.md b/notes/plan.md
new file mode 100644
--- /dev/null
+++ b/notes/plan.md
@@ -0,0 +1,2 @@
+# plan
+ship the dashboard
`;
const state = {
  agents: [
    { name: 'hm1nd', port: 8000, status: 'running', model: 'opus', deployed_tag: 'deployed/0', url: 'http://127.0.0.1:8000/', is_manager: true, container: 'h-hm1nd' },
    { name: 'coder', port: 8202, status: 'running', model: null, deployed_tag: 'deployed/3', url: 'http://127.0.0.1:8202/', is_manager: false, container: 'h-coder' },
    { name: 'agao', port: 8545, status: 'running', model: 'sonnet', deployed_tag: 'deployed/0', url: 'http://127.0.0.1:8545/', is_manager: false, container: 'h-agao' },
    { name: 'aghx', port: 8545, status: 'crashed', model: 'sonnet', deployed_tag: 'deployed/0', url: 'http://127.0.0.1:8545/', is_manager: false, container: 'h-aghx' },
  ],
  approvals: [
    { id: 4, agent: 'coder', kind: 'apply', status: 'pending', sha: 'a1b2c3d4e5f60718', commit_ref: 'a1b2c3d4e5f60718', fetched_sha: 'a1b2c3d4e5f60718', terminal_tag: null, note: null, created_at: now(), resolved_at: null },
    { id: 3, agent: 'coder', kind: 'apply', status: 'deployed', sha: '99aa', commit_ref: '99aa', fetched_sha: '99aabbccddeeff00', terminal_tag: 'deployed/3', note: null, created_at: now(), resolved_at: now() },
    { id: 2, agent: 'agao', kind: 'apply', status: 'denied', sha: '77aa', commit_ref: '77aa', fetched_sha: '77aa11', terminal_tag: 'denied/2', note: 'no new packages this week', created_at: now(), resolved_at: now() },
  ],
  port_conflicts: [{ port: 8545, agents: ['agao', 'aghx'] }],
  questions: [{ id: 1, agent: 'coder', question: 'may i delete the old notes folder?', answered: false, answer: null, created_at: now() }],
  messages: [{ id: 1, from: 'hm1nd', to: 'coder', text: 'rebase on applied/main before the next proposal', created_at: now() }],
  manager: 'hm1nd',
  runtime: 'process',
};
const events = [
  { id: 1, ts: now(), type: 'Spawned', agent: 'coder', data: { agent: 'coder', port: 8101 } },
  { id: 2, ts: now(), type: 'ApprovalResolved', agent: 'coder', data: { id: 3, agent: 'coder', status: 'deployed', terminal_tag: 'deployed/3', note: null } },
  { id: 3, ts: now(), type: 'PortConflict', agent: null, data: { port: 8545, agents: ['agao', 'aghx'] } },
  { id: 4, ts: now(), type: 'container_crash', agent: 'aghx', data: { agent: 'aghx', code: 1, signal: null, tail: 'EADDRINUSE 8545' } },
];

const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  if (p === '/api/state') return json(res, 200, state);
  if (p === '/api/events') return json(res, 200, { events });
  if (/^\/api\/approvals\/\d+\/diff$/.test(p)) return json(res, 200, { text: diffText, files: [{ path: 'agent.nix', added: 2, removed: 1, binary: false }, { path: 'notes/plan.md', added: 2, removed: 0, binary: false }], truncated: false });
  if (p === '/api/agents' && req.method === 'POST') return json(res, 409, { error: 'port 8545 already taken by agao — rename one of them' });
  if (p.startsWith('/api/')) return json(res, 200, { ok: true });
  const file = path.join(dist, p === '/' ? 'index.html' : p);
  if (!file.startsWith(dist) || !existsSync(file)) return json(res, 404, { error: 'not found' });
  res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
  res.end(readFileSync(file));
}).listen(Number(process.argv[2] ?? 5199), '127.0.0.1');
