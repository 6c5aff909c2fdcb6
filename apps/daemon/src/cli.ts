#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import type { Approval, ApprovalDiff, AuditEntry, HiveState } from '@hive/protocol';
import { validateAgentName } from '@hive/core';
import { ConfigError, defaultStateDir, loadConfig } from './config.js';
import { findOperatorToken, HiveClient, HiveClientError } from './client.js';
import { preflight } from './preflight.js';
import { formatDiff } from './diff-print.js';

const program = new Command('hive')
  .description('hyperhive: a control plane for Claude-driven agents')
  .option('--state <dir>', `state dir of the daemon, where its operator-token lives (env HIVE_STATE_DIR, default ${defaultStateDir()})`)
  .showHelpAfterError();

const stateDirOpt = (): string => (program.opts().state as string | undefined) ?? process.env.HIVE_STATE_DIR ?? defaultStateDir();

const daemonUrl = (): string => process.env.HIVE_URL ?? `http://127.0.0.1:${process.env.HIVE_DASHBOARD_PORT ?? 7777}`;

/** A client for the running daemon, carrying the operator token it found in `stateDir`. */
function client(stateDir = stateDirOpt()): HiveClient {
  return new HiveClient(daemonUrl(), findOperatorToken(process.env, path.resolve(stateDir)));
}

/** Runs a CLI action; a refusal prints the daemon's one-line error and exits 1. */
function act<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      process.stderr.write(`hive: ${(e as Error).message}\n`);
      process.exit(e instanceof ConfigError ? 2 : 1);
    }
  };
}

/** Refuses a malformed approval id before any request or progress line, so the refusal is one line. */
function approvalId(id: string): string {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) throw new HiveClientError(`approval id must be a positive integer, got ${JSON.stringify(id.slice(0, 40))}: list them with hive approvals`, 0);
  return id;
}

const print = (s: string): void => {
  process.stdout.write(s.endsWith('\n') ? s : s + '\n');
};
const short = (sha: string | null) => (sha ? sha.slice(0, 12) : '-');
const tokens = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

program
  .command('up')
  .description('start the daemon and dashboard in the foreground (Ctrl-C stops everything it started)')
  .option('--state <dir>', `state dir (env HIVE_STATE_DIR, default ${defaultStateDir()})`)
  .addOption(new Option('--runtime <kind>', 'container runtime (env HIVE_RUNTIME)').choices(['process', 'nixos']))
  .option('--port <n>', 'dashboard port (env HIVE_DASHBOARD_PORT, default 7777)')
  .option('--bind <addr>', 'listen address (env HIVE_BIND, default 127.0.0.1)')
  .option('--no-sandbox', 'run agents without bubblewrap, with the daemon\'s uid (only for trusted agents; env HIVE_SANDBOX=none)')
  .action(
    act(async (o: { state?: string; runtime?: string; port?: string; bind?: string; sandbox?: boolean }) => {
      const config = loadConfig(process.env, {
        stateDir: o.state ?? program.opts().state,
        runtime: o.runtime,
        dashboardPort: o.port,
        bind: o.bind,
        sandbox: o.sandbox === false ? 'none' : undefined,
      });
      const checks = preflight(config);
      for (const line of [...checks.fatal, ...checks.warn]) process.stderr.write(`hive: ${line}\n`);
      if (checks.fatal.length) process.exit(2);
      const { startDaemon } = await import('./server.js');
      process.stderr.write(`hive: starting (state ${config.stateDir}, runtime ${config.runtime})…\n`);
      const d = await startDaemon(config);
      // One write, so a reader never sees the banner without the link. The fragment never reaches
      // a server log; the page trades it for a session cookie.
      print(
        `hyperhive up · dashboard ${d.url}/ · state ${config.stateDir} · runtime ${config.runtime} · manager ${config.managerName}\n` +
          `log in: ${d.url}/#token=${d.hive.ctx.operator.token}`,
      );
      let stopping = false;
      const stop = async (sig: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`hive: ${sig}, stopping agents…\n`);
        await d.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    }),
  );

program
  .command('spawn <name>')
  .description('spawn an agent (port preflight first)')
  .action(
    act(async (name: string) => {
      validateAgentName(name);
      process.stderr.write(`hive: spawning ${name}…\n`);
      const r = await client().request<{ agent?: { port: number } }>('POST', '/api/agents', { body: { name } });
      print(`spawned ${name}${r.agent ? ` on port ${r.agent.port}` : ''}`);
    }),
  );

program
  .command('rebuild <name>')
  .description("relock the agent's meta input to applied main and rebuild it")
  .action(
    act(async (name: string) => {
      process.stderr.write(`hive: rebuilding ${name}…\n`);
      await client().request('POST', `/api/agents/${encodeURIComponent(name)}/rebuild`);
      print(`rebuilt ${name}`);
    }),
  );

program
  .command('destroy <name>')
  .description('stop and remove the container (--purge also deletes its repos and state)')
  .option('--purge', 'also delete proposed/applied/state and the meta input')
  .action(
    act(async (name: string, o: { purge?: boolean }) => {
      await client().request('DELETE', `/api/agents/${encodeURIComponent(name)}${o.purge ? '?purge=1' : ''}`);
      print(`destroyed ${name}${o.purge ? ' (purged)' : ''}`);
    }),
  );

program
  .command('logs <name>')
  .description("the last lines of an agent's harness output")
  .option('-n, --lines <n>', 'how many lines', '200')
  .action(
    act(async (name: string, o: { lines: string }) => {
      const r = await client().request<{ text: string }>('GET', `/api/agents/${encodeURIComponent(name)}/logs?lines=${encodeURIComponent(o.lines)}`);
      print(r.text || '(no output yet)');
    }),
  );

program
  .command('status')
  .description('agents, approvals, port conflicts and questions')
  .option('--json', 'print the GET /api/state JSON')
  .action(
    act(async (o: { json?: boolean }) => {
      const s = await client().request<HiveState>('GET', '/api/state');
      if (o.json) return print(JSON.stringify(s, null, 2));
      if (s.frozen) print(`! hive is frozen since ${s.frozen.since}: ${s.frozen.reason} — hive thaw to resume`);
      const today = (a: HiveState['agents'][number]) =>
        a.usage ? `$${a.usage.today.cost_usd.toFixed(4)} ${tokens(a.usage.today.input_tokens)}/${tokens(a.usage.today.output_tokens)}` : '-';
      print(
        table([
          ['NAME', 'PORT', 'STATUS', 'ACTIVITY', 'MODEL', 'DEPLOYED', 'HEALTH', 'TODAY (cost in/out)', 'URL'],
          ...s.agents.map((a) => [
            a.name + (a.is_manager ? '*' : ''),
            String(a.port),
            a.status,
            a.activity ?? '-',
            a.model ?? '-',
            a.deployed_tag ?? '-',
            a.health ? (a.health.ok ? 'ok' : 'FAILED') : '-',
            today(a),
            a.url,
          ]),
        ]),
      );
      for (const c of s.port_conflicts) print(`! port ${c.port} is shared by ${c.agents.join(', ')} — rename one of them`);
      const pending = s.approvals.filter((a) => a.status === 'pending' || a.status === 'building');
      if (pending.length) print(`${pending.length} approval(s) waiting: hive approvals`);
      const open = s.questions.filter((q) => !q.answered);
      if (open.length) print(`${open.length} open question(s) in the dashboard`);
    }),
  );

/** `rolled back by #7: rollback to deployed/3` — a tree the hive took back, and why (one line). */
function undone(a: Approval): string {
  if (!a.undone) return '-';
  const why = a.undone.why.split('\n')[0]!.slice(0, 120);
  return `${a.undone.how === 'rolled-back' ? 'rolled back' : 'auto-reverted'} by #${a.undone.by}: ${why}`;
}

program
  .command('approvals')
  .description('queued and recent approvals')
  .option('--json', 'print JSON')
  .action(
    act(async (o: { json?: boolean }) => {
      const { approvals } = await client().request<{ approvals: Approval[] }>('GET', '/api/approvals');
      if (o.json) return print(JSON.stringify(approvals, null, 2));
      if (!approvals.length) return print('no approvals');
      print(
        table([
          ['ID', 'AGENT', 'KIND', 'STATUS', 'SHA', 'TAG', 'UNDONE'],
          ...approvals.map((a) => [String(a.id), a.agent, a.kind, a.status, short(a.sha), a.terminal_tag ?? '-', undone(a)]),
        ]),
      );
    }),
  );

program
  .command('diff <id>')
  .description("an approval's diff against what is deployed: every file with its counts, then the text with control and bidi characters shown visibly")
  .option('--raw', 'print the diff bytes as the daemon sent them (no escaping)')
  .action(
    act(async (id: string, o: { raw?: boolean }) => {
      const d = await client().request<ApprovalDiff>('GET', `/api/approvals/${approvalId(id)}/diff`);
      print(formatDiff(d, { raw: o.raw }));
    }),
  );

program
  .command('approve <id>')
  .description('approve and wait for the build: exit 0 when deployed, 1 when the build failed')
  .action(
    act(async (id: string) => {
      approvalId(id);
      process.stderr.write(`hive: building approval ${id}…\n`);
      const { approval: a } = await client().request<{ approval: Approval }>('POST', `/api/approvals/${id}/approve`);
      if (a.status === 'deployed') return print(`approval ${a.id} for ${a.agent} deployed (${a.terminal_tag})`);
      process.stderr.write(`hive: approval ${a.id} for ${a.agent} ${a.status}${a.terminal_tag ? ` (${a.terminal_tag})` : ''}:\n${a.note ?? ''}\n`);
      process.exit(1);
    }),
  );

program
  .command('deny <id>')
  .description('deny an approval with a reason (planted as an annotated denied/<id> tag)')
  // Checked in the action rather than by commander, so a missing reason is one line, not a help page.
  .option('--reason <text>', 'why (required; the manager reads it)')
  .action(
    act(async (id: string, o: { reason?: string }) => {
      approvalId(id);
      if (o.reason === undefined) throw new HiveClientError(`deny needs --reason TEXT: the manager reads it (hive deny ${id} --reason "…")`, 0);
      const { approval: a } = await client().request<{ approval: Approval }>('POST', `/api/approvals/${id}/deny`, {
        body: { reason: o.reason },
      });
      print(`approval ${a.id} for ${a.agent} denied${a.terminal_tag ? ` (${a.terminal_tag})` : ''}`);
    }),
  );

program
  .command('request-apply <name> <sha>')
  .description("queue a commit of NAME's proposed repo for approval, as the manager (for scripts)")
  .option('--state <dir>', 'state dir holding the manager token (env HIVE_STATE_DIR)')
  .action(
    act(async (name: string, sha: string, o: { state?: string }) => {
      const stateDir = o.state ?? stateDirOpt();
      const c = client(stateDir);
      const manager = process.env.HIVE_MANAGER_NAME ?? (await c.request<HiveState>('GET', '/api/state')).manager;
      const tokenFile = path.join(stateDir, 'state', manager, 'token');
      let token: string;
      try {
        token = readFileSync(tokenFile, 'utf8').trim();
      } catch {
        throw new HiveClientError(`cannot read the manager token at ${tokenFile}: pass --state <dir> or set HIVE_STATE_DIR`, 0);
      }
      const r = await c.request<{ approval_id: number }>('POST', '/api/agent/request_apply_commit', { body: { name, sha }, token });
      print(String(r.approval_id));
    }),
  );

program
  .command('rollback <name>')
  .description('deploy an earlier deployed tree again, as a new commit on applied main: exit 0 when deployed, 1 when it failed')
  .option('--to <tag>', 'the deployed/<id> to go back to (default: the deploy before the current one)')
  .option('--reason <text>', 'why, kept in the rollback commit and shown beside the undone approval')
  .action(
    act(async (name: string, o: { to?: string; reason?: string }) => {
      validateAgentName(name);
      if (o.to !== undefined && !/^deployed\/\d+$/.test(o.to)) throw new HiveClientError(`--to takes a tag deployed/<id> (hive approvals lists them), got ${JSON.stringify(o.to)}`, 0);
      process.stderr.write(`hive: rolling ${name} back${o.to ? ` to ${o.to}` : ''}…\n`);
      const { approval: a } = await client().request<{ approval: Approval }>('POST', `/api/agents/${name}/rollback`, { body: { to: o.to, reason: o.reason } });
      if (a.status === 'deployed') return print(`${name} rolled back to ${a.commit_ref} as approval ${a.id} (${a.terminal_tag})`);
      process.stderr.write(`hive: rollback of ${name} (approval ${a.id}) ${a.status}${a.terminal_tag ? ` (${a.terminal_tag})` : ''}:\n${a.note ?? ''}\n`);
      process.exit(1);
    }),
  );

program
  .command('freeze')
  .description('stop the hive: cancel every running turn, hold every inbox, refuse approve/rollback/spawn/rebuild until thawed')
  .option('--reason <text>', 'why (shown in every refusal)')
  .action(
    act(async (o: { reason?: string }) => {
      const r = await client().request<{ frozen: { reason: string; since: string }; cancelled: string[] }>('POST', '/api/freeze', { body: { reason: o.reason } });
      print(`hive frozen since ${r.frozen.since}: ${r.frozen.reason}${r.cancelled.length ? ` (cancelled turns: ${r.cancelled.join(', ')})` : ''}`);
    }),
  );

program
  .command('thaw')
  .description('undo hive freeze: inboxes deliver again, deploys are accepted')
  .action(
    act(async () => {
      const r = await client().request<{ thawed: boolean }>('POST', '/api/thaw');
      print(r.thawed ? 'hive thawed' : 'hive was not frozen');
    }),
  );

program
  .command('auto-update')
  .description('relock the hyperhive input and rebuild every agent')
  .action(
    act(async () => {
      const r = await client().request<{ rebuilt: string[]; failed: { agent: string; error: string }[] }>('POST', '/api/auto-update');
      print(`rebuilt: ${r.rebuilt.join(', ') || '-'}`);
      for (const f of r.failed) process.stderr.write(`hive: ${f.agent}: ${f.error}\n`);
      if (r.failed.length) process.exit(1);
    }),
  );

program
  .command('audit')
  .description('who decided what, newest first: operator actions and agent calls')
  .option('--json', 'print JSON')
  .option('-n, --limit <n>', 'how many rows', '200')
  .action(
    act(async (o: { json?: boolean; limit: string }) => {
      const { audit } = await client().request<{ audit: AuditEntry[] }>('GET', `/api/audit?limit=${encodeURIComponent(o.limit)}`);
      if (o.json) return print(JSON.stringify(audit, null, 2));
      if (!audit.length) return print('no audit entries');
      print(table([['TIME', 'ACTOR', 'FROM', 'ACTION', 'TARGET', 'OUTCOME'], ...audit.map((e) => [e.ts, e.actor, e.remote ?? '-', e.action, e.target ?? '-', e.outcome])]));
    }),
  );

await program.parseAsync(process.argv);
