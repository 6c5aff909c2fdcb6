import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { commitFiles, startScriptedApi, type RecordedRequest, type Rule, type ScriptedApi } from '@hive/testkit';
import { HiveState } from '@hive/protocol';
import { launchBrowser } from './browser.js';
import { apiCall, hive, offlineClaudeEnv, startDaemon, type Daemon } from './daemon.js';

// The real Claude Code CLI drives every agent here: only the Anthropic API is scripted (on loopback).
// Daemon, harnesses (under bwrap), the CLI's MCP client, the hive MCP server, git and nix are real.

const SHA = /\b[0-9a-f]{40}\b/;

const RULES: Rule[] = [
  // e: the API failing
  { lastUserText: /fail with 529\s*$/, reply: { error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } } },
  { lastUserText: /fail with 500\s*$/, reply: { error: { status: 500, type: 'api_error', message: 'Internal server error' } } },
  { lastUserText: /fail with 401\s*$/, reply: { error: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' } } },
  // a: the manager edits and commits coder's config with its shell, then asks for approval with the sha it printed
  {
    lastUserText: "switch coder's model to opus",
    hasToolResult: false,
    reply: {
      toolUse: {
        name: 'Bash',
        input: {
          command: `cd /agents/coder/config && sed -i 's/model = "sonnet"/model = "opus"/' agent.nix && git commit -q -am 'coder: opus' && git rev-parse HEAD`,
          description: "Switch coder's model and commit",
        },
      },
    },
  },
  { hasToolResult: true, lastUserText: /queued as approval #\d+/, reply: { text: 'Queued; the operator decides.' } },
  {
    hasToolResult: true,
    lastUserText: SHA,
    toolOffered: 'mcp__hive__request_apply_commit',
    times: 1,
    reply: (ctx) => ({ toolUse: { name: 'mcp__hive__request_apply_commit', input: { name: 'coder', sha: SHA.exec(ctx.lastToolResult)![0] } } }),
  },
  { lastUserText: /ApprovalResolved: approval \d+ for coder is deployed/, reply: { text: 'coder runs opus now.' } },
  // b: a question for the operator, and its answer in the next turn
  {
    lastUserText: 'ask the operator which branch',
    hasToolResult: false,
    reply: { toolUse: { name: 'mcp__hive__ask_operator', input: { question: 'which branch should coder use?' } } },
  },
  { hasToolResult: true, lastUserText: 'sent to the operator', reply: { text: 'Asked; waiting for the answer.' } },
  { lastUserText: 'the operator answered', reply: { text: 'Thanks, using that branch.' } },
  // c: manager → coder
  {
    lastUserText: 'tell coder to run the tests',
    hasToolResult: false,
    reply: { toolUse: { name: 'mcp__hive__send_message', input: { to: 'coder', text: 'please run the tests' } } },
  },
  { hasToolResult: true, lastUserText: 'message delivered to coder', reply: { text: 'Told coder.' } },
  { lastUserText: '[message from hm1nd]', reply: { text: 'Running the tests.' } },
  // d: after a restart
  { lastUserText: /what did I ask you first/i, reply: { text: 'You asked me to switch coder to opus.' } },
];

let api: ScriptedApi;
let d: Daemon;
let ctx: BrowserContext;
let page: Page;

const auth = () => ({ authorization: `Bearer ${d.token}` });
/** An agent's page API as the operator reaches it: through the daemon's /agents/<n>/ proxy. */
const pageApi = (agent: string, method: string, p: string, body?: unknown) => apiCall(d, method, `/agents/${agent}${p}`, body, auth());
const chat = async (agent: string, text: string) => expect((await pageApi(agent, 'POST', '/api/chat', { text })).status).toBe(202);

async function until<T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; API requests so far:\n${transcript()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const requestWith = (text: string | RegExp, from = 0): RecordedRequest | undefined =>
  api.messages().slice(from).find((r) => (typeof text === 'string' ? r.lastUserText.includes(text) : text.test(r.lastUserText)));

function transcript(from = 0): string {
  return api
    .messages()
    .slice(from)
    .map((r) => `#${r.seq} ${r.model ?? '?'} rule=${r.ruleIndex ?? 'fallback'} ${r.status} ${r.hasToolResult ? '[tool_result] ' : ''}${r.lastUserText.replace(/\s+/g, ' ').slice(0, 100)}`)
    .join('\n');
}

async function state(): Promise<HiveState> {
  return HiveState.parse((await apiCall(d, 'GET', '/api/state')).json);
}

async function history(agent: string): Promise<{ role: string; text: string }[]> {
  return ((await pageApi(agent, 'GET', '/api/history')).json as { entries: { role: string; text: string }[] }).entries;
}

beforeAll(async () => {
  api = await startScriptedApi({ rules: RULES });
  [d, ctx] = await Promise.all([
    startDaemon({
      env: offlineClaudeEnv(api.url),
    }),
    launchBrowser(),
  ]);
  page = await ctx.newPage();
  await page.goto(d.loginUrl);
  await page.locator('[data-link="live"]').waitFor();
  const r = await hive(d, ['spawn', 'coder']);
  expect(r.code, r.stderr).toBe(0);
}, 240_000);

afterAll(async () => {
  await ctx?.close();
  await d?.stop();
  await api?.close();
});

describe('real agents: Claude Code against a scripted Anthropic API', () => {
  let approvalId = 0;
  let firstRequest = 0;

  it("a: the manager edits and commits coder's config with its own tools, the operator approves it in the dashboard, coder restarts on opus, the manager hears ApprovalResolved", async () => {
    firstRequest = api.messages().length;
    await chat('hm1nd', "Please switch coder's model to opus.");
    const pending = await until('a pending approval for coder', async () => (await state()).approvals.find((a) => a.agent === 'coder' && a.status === 'pending'));
    approvalId = pending.id;
    // The sha the manager's shell printed is the one queued and fetched into applied.
    const proposedHead = (await import('node:child_process')).execFileSync('git', ['rev-parse', 'HEAD'], { cwd: path.join(d.stateDir, 'agents', 'coder', 'config') }).toString().trim();
    expect(pending.fetched_sha).toBe(proposedHead);
    const diff = await hive(d, ['diff', String(approvalId)]);
    expect(diff.stdout).toMatch(/^\+.*model = "opus"/m);
    expect(diff.stdout).toMatch(/^-.*model = "sonnet"/m);

    const card = page.locator(`hive-approval-card article[data-approval="${approvalId}"]`);
    await card.waitFor();
    expect(await card.locator('details[data-file="agent.nix"] pre').textContent()).toContain('model = "opus"');
    await card.locator('button.ok').click();
    await page.locator(`hive-approval-card article[data-approval="${approvalId}"][data-status="deployed"]`).waitFor({ timeout: 120_000 });

    const coder = (await pageApi('coder', 'GET', '/api/state')).json as { model: string; default_model: string };
    expect(coder.default_model).toBe('opus');
    await until('the manager turn on ApprovalResolved', () => requestWith(`ApprovalResolved: approval ${approvalId} for coder is deployed`, firstRequest));

    // Events (Spawned, Rebuilt) make turns of their own; the scenario starts at the operator's message.
    const all = api.messages().slice(firstRequest);
    const seen = all.slice(all.findIndex((r) => r.ruleIndex === 3));
    const order = seen.map((r) => r.ruleIndex);
    // operator text → Bash tool_use; its result (the sha) → request_apply_commit; its result → text; later the event → text.
    expect(order.slice(0, 3)).toEqual([3, 5, 4]);
    expect(order).toContain(6);
    // The hive tools were offered and granted: the second call carried request_apply_commit's real result.
    expect(seen[2]!.lastToolResult).toMatch(new RegExp(`queued as approval #${approvalId}`));
    expect(seen[0]!.toolNames).toEqual(expect.arrayContaining(['Bash', 'mcp__hive__request_apply_commit', 'mcp__hive__ask_operator', 'mcp__hive__send_message']));
    // The system prompt tells the manager who and where it is.
    const system = JSON.stringify((seen[0]!.body as { system?: unknown }).system ?? '');
    expect(system).toContain('/agents/');
    expect(system).toContain('request_apply_commit');
    writeFileSync(path.join(d.stateDir, 'scenario-a.txt'), transcript(firstRequest) + '\n');
    console.log(`scenario a, API requests in order:\n${transcript(firstRequest)}`);

    const usage = (await state()).agents.find((a) => a.name === 'hm1nd')!.usage!;
    console.log(`scenario a, hm1nd usage: ${JSON.stringify(usage)}`);
    expect(usage.turns).toBeGreaterThanOrEqual(2);
    expect(usage.input_tokens).toBeGreaterThan(0);
    expect(usage.cost_usd).toBeGreaterThan(0);
    expect(usage.today.turns).toBe(usage.turns);
  }, 240_000);

  it('b: ask_operator puts the question on the dashboard; the answer typed there reaches the next turn', async () => {
    const from = api.messages().length;
    await chat('hm1nd', 'Please ask the operator which branch to use.');
    const q = page.locator('hive-questions [data-question]', { hasText: 'which branch should coder use?' });
    await q.waitFor({ timeout: 90_000 });
    expect((await state()).agents.find((a) => a.name === 'hm1nd')!.activity).toBe('waiting');
    await q.locator('textarea').fill('use the release branch');
    await q.locator('button[type="submit"]').click();
    const next = await until('the turn carrying the answer', () => requestWith('use the release branch', from));
    expect(next.lastUserText).toContain('the operator answered');
 
  }, 180_000);

  it("c: send_message from the manager lands in coder's inbox and coder's turn carries it", async () => {
    const from = api.messages().length;
    await chat('hm1nd', 'Please tell coder to run the tests.');
    const coderTurn = await until("coder's turn", () => requestWith('[message from hm1nd]', from));
    expect(coderTurn.lastUserText).toContain('please run the tests');
    // coder runs the model its approved config set.
    expect(coderTurn.model).toMatch(/opus/);
    await until("coder's reply in its history", async () => (await history('coder')).some((e) => e.role === 'agent' && e.text.includes('Running the tests.')));
 
  }, 180_000);

  it('d: after a harness restart the next turn resumes the same session, carrying the earlier conversation', async () => {
    const r = await hive(d, ['rebuild', 'hm1nd']);
    expect(r.code, r.stderr).toBe(0);
    const from = api.messages().length;
    await chat('hm1nd', 'What did I ask you first?');
    const resumed = await until('the resumed turn', () => requestWith(/what did I ask you first/i, from));
    const conversation = JSON.stringify((resumed.body as { messages: unknown[] }).messages);
    expect(conversation).toContain("switch coder's model to opus");
    expect(conversation).toContain('Queued; the operator decides.');
    expect(resumed.ruleIndex).toBe(RULES.length - 1);
 
  }, 180_000);

  it('e: the API failing (529, 500, 401) ends the turn with one line on the page naming the cause, and the loop goes on', async () => {
    const agentPage = await ctx.newPage();
    await agentPage.goto(`${d.url}/agents/hm1nd/`);
    await agentPage.locator('text=model ·').first().waitFor();
    const cases: [string, RegExp][] = [
      ['fail with 529', /529|overloaded/i],
      ['fail with 500', /500|internal server error/i],
      ['fail with 401', /401|api key|x-api-key/i],
    ];
    const errorLines = async () => (await agentPage.locator('[data-role="error"] .text').allTextContents()).map((t) => t.trim());
    for (const [text, cause] of cases) {
      await chat('hm1nd', text);
      const line = await until(`the error line for "${text}"`, async () => (await errorLines()).find((l) => cause.test(l)));
      expect(line.split('\n')).toHaveLength(1);
    }
    console.log(`scenario e, the page's error lines:\n${(await errorLines()).join('\n')}`);
    // The loop goes on: the next message gets a normal turn.
    const from = api.messages().length;
    await chat('hm1nd', 'What did I ask you first?');
    await until('a normal turn after the errors', () => requestWith('What did I ask you first', from));
    await until('its reply', async () => (await history('hm1nd')).some((e) => e.role === 'agent' && e.text.includes('You asked me to switch coder')));
    await agentPage.close();
 
  }, 180_000);

  it('e: an unreachable API (connection refused) is one line naming the address, and the loop goes on', async () => {
    // The operator points coder at a closed port through its approved config (hive.env), then talks to it.
    const proposed = path.join(d.stateDir, 'agents', 'coder', 'config');
    const nix = readFileSync(path.join(proposed, 'agent.nix'), 'utf8');
    expect(nix).toContain('env = { };');
    const sha = await commitFiles(proposed, { 'agent.nix': nix.replace('env = { };', 'env = { ANTHROPIC_BASE_URL = "http://127.0.0.1:9"; };') }, 'coder: unreachable API');
    const q = await hive(d, ['request-apply', 'coder', sha]);
    expect(q.code, q.stderr).toBe(0);
    const ok = await hive(d, ['approve', q.stdout.trim()]);
    expect(ok.code, ok.stderr).toBe(0);
    await chat('coder', 'hello?');
    const err = await until('the refused turn', async () => (await history('coder')).filter((e) => e.role === 'error').at(-1));
    expect(err.text).toMatch(/127\.0\.0\.1:9|connect|reach/i);
    expect(err.text.split('\n')).toHaveLength(1);
 
  }, 180_000);
});
