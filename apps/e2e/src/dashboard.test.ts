import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page, WebSocket as PwSocket } from 'playwright-core';
import { commitFiles, tempDir } from '@hive/testkit';
import { HiveState } from '@hive/protocol';
import { launchBrowser } from './browser.js';
import { apiCall, hive, killPortHolder, startDaemon, type Daemon } from './daemon.js';

// The committed screenshots are refreshed only on request (`pnpm --filter @hive/e2e screenshots`), so a test run leaves the tree clean.
const SHOTS =
  process.env.HIVE_E2E_SCREENSHOTS === '1' ? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs') : tempDir('hive-shots-');
// `agao` and `aghx` hash to the same offset (445), so they collide whatever the port base is.
const [FIRST, SECOND] = ['agao', 'aghx'] as const;

let d: Daemon;
let ctx: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
let stateFetches = 0;
let framesReceived = 0;

/** Commits files into an agent's proposed repo and queues them for approval through the CLI; returns the approval id. */
async function queueApproval(agent: string, files: Record<string, string>, message: string): Promise<number> {
  const sha = await commitFiles(path.join(d.stateDir, 'agents', agent, 'config'), files, message);
  const r = await hive(d, ['request-apply', agent, sha]);
  expect(r.code, r.stderr).toBe(0);
  return Number(r.stdout.trim());
}

async function state(): Promise<HiveState> {
  return HiveState.parse((await apiCall(d, 'GET', '/api/state')).json);
}

const row = (name: string) => page.locator(`hive-containers li[data-agent="${name}"]`);
const card = (id: number) => page.locator(`hive-approval-card article[data-approval="${id}"]`);
const toast = (kind: 'ok' | 'err', text: string) => page.locator(`hive-toast .toast[data-kind="${kind}"]`, { hasText: text });

async function spawnFromForm(name: string): Promise<void> {
  await page.locator('hive-spawn-form input[name="name"]').fill(name);
  await page.locator('hive-spawn-form button[type="submit"]').click();
}

beforeAll(async () => {
  [d, ctx] = await Promise.all([startDaemon(), launchBrowser()]);
  page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/state') stateFetches++;
  });
  page.on('websocket', (ws: PwSocket) => ws.on('framereceived', () => framesReceived++));
  // The login link hive up printed: the page trades its token for the session cookie.
  await page.goto(d.loginUrl);
  // Survives only as long as the page is never reloaded.
  await page.evaluate(() => ((window as unknown as { hiveNoReload: boolean }).hiveNoReload = true));
});

afterAll(async () => {
  await ctx?.close();
  await d?.stop();
});

const notReloaded = () => page.evaluate(() => (window as unknown as { hiveNoReload?: boolean }).hiveNoReload === true);

describe('the dashboard against a real daemon', () => {
  it('shows the manager row with its port, and the live socket', async () => {
    const manager = row('hm1nd');
    await manager.waitFor();
    expect(await manager.textContent()).toContain(String(d.managerPort));
    expect(await manager.locator('.badge').textContent()).toBe('manager');
    // The agent page is reached through the daemon (the harness port answers only the daemon's key).
    expect(await manager.locator('a').getAttribute('href')).toBe(`${d.url}/agents/hm1nd/`);
    await page.locator('[data-link="live"]').waitFor();
  });

  it('does not poll while the socket is up: every state fetch follows an event frame', async () => {
    await page.waitForTimeout(1500);
    const [fetches, frames] = [stateFetches, framesReceived];
    await page.waitForTimeout(3000);
    expect(stateFetches - fetches).toBeLessThanOrEqual(framesReceived - frames);
  });

  it('spawns an agent from the form and its row arrives without a reload', async () => {
    await spawnFromForm('coder');
    await page.locator('hive-spawn-form button[type="submit"] .spinner').waitFor();
    await row('coder').waitFor({ timeout: 60_000 });
    await toast('ok', 'spawned coder').waitFor();
    expect(await page.locator('hive-spawn-form input[name="name"]').inputValue()).toBe('');
    expect(await notReloaded()).toBe(true);
  });

  let approved = 0;
  it('shows every file of a queued multi-file approval with its +/- counts', async () => {
    approved = await queueApproval('coder', { 'notes/plan.md': '# plan\nship the dashboard\n', 'extra.nix': '{ ... }: { }\n' }, 'plan + extra module');
    await card(approved).waitFor();
    const plan = card(approved).locator('details[data-file="notes/plan.md"]');
    await plan.waitFor();
    expect(await plan.locator('summary').textContent()).toMatch(/\+2\s*−0/);
    expect(await card(approved).locator('details[data-file="extra.nix"] pre').textContent()).toContain('+{ ... }: { }');
    expect(await card(approved).getAttribute('data-status')).toBe('pending');
  });

  it('approves: the approval shows building, then the approval and the agent row turn deployed live, with the tag', async () => {
    // Record every status the card shows, from inside the page, so a short-lived `building` is not missed.
    await page.evaluate((id) => {
      const seen = new Set<string>();
      (window as unknown as { hiveSeen: Set<string> }).hiveSeen = seen;
      const tick = () => {
        const app = document.querySelector('hive-app')?.shadowRoot;
        const list = app?.querySelector('hive-approvals')?.shadowRoot;
        for (const c of list?.querySelectorAll('hive-approval-card') ?? []) {
          const a = c.shadowRoot?.querySelector(`article[data-approval="${id}"]`);
          if (a) seen.add(a.getAttribute('data-status') ?? '');
        }
        if (!seen.has('deployed') && !seen.has('failed')) requestAnimationFrame(tick);
      };
      tick();
    }, approved);
    await card(approved).locator('button.ok').click();
    await card(approved).locator('button.ok .spinner').waitFor();
    await page.locator(`hive-approval-card article[data-approval="${approved}"][data-status="deployed"]`).waitFor({ timeout: 60_000 });
    expect(await card(approved).locator('.terminal').textContent()).toBe(`deployed/${approved}`);
    await row('coder').locator('.tag', { hasText: `deployed/${approved}` }).waitFor();
    await toast('ok', `approved #${approved}`).waitFor();
    expect(await page.evaluate(() => [...(window as unknown as { hiveSeen: Set<string> }).hiveSeen])).toEqual(['pending', 'building', 'deployed']);
    expect(await notReloaded()).toBe(true);
  });

  it('denies with a reason, which the card then shows', async () => {
    const id = await queueApproval('coder', { 'notes/todo.md': 'nothing\n' }, 'todo');
    await card(id).locator('button.danger').click();
    await card(id).locator('input[name="reason"]').fill('not this week');
    await card(id).locator('form button[type="submit"]').click();
    await page.locator(`hive-approval-card article[data-approval="${id}"][data-status="denied"]`).waitFor({ timeout: 30_000 });
    expect(await card(id).locator('.note').textContent()).toContain('not this week');
    expect((await state()).approvals.find((a) => a.id === id)?.note).toBe('not this week');
  });

  it("shows a failed build: nix's error in the pill and on the card, the agent keeps its tag", async () => {
    const before = (await state()).agents.find((a) => a.name === 'coder')?.deployed_tag;
    const id = await queueApproval('coder', { 'broken.nix': '{ this is not nix\n' }, 'broken');
    await card(id).locator('button.ok').click();
    await page.locator(`hive-approval-card article[data-approval="${id}"][data-status="failed"]`).waitFor({ timeout: 60_000 });
    const pill = page.locator('hive-toast .toast[data-kind="err"]', { hasText: `#${id}` });
    await pill.waitFor();
    const note = (await state()).approvals.find((a) => a.id === id)?.note ?? '';
    expect(note).not.toBe('');
    expect(await card(id).locator('.note').textContent()).toContain(note.split('\n')[0]);
    expect(await card(id).locator('.terminal').textContent()).toBe(`failed/${id}`);
    expect(await row('coder').locator('.tag').textContent()).toBe(before);
    // Deny is not offered on a resolved approval; the fix is a new commit.
    expect(await card(id).locator('button').count()).toBe(0);
    await commitFiles(path.join(d.stateDir, 'agents', 'coder', 'config'), { 'broken.nix': '{ ... }: { }\n' }, 'fix broken');
  });

  it("refuses a colliding name with the daemon's own text in the pill", async () => {
    await spawnFromForm(FIRST);
    await toast('ok', `spawned ${FIRST}`).waitFor({ timeout: 60_000 });
    await row(FIRST).waitFor();
    await spawnFromForm(SECOND);
    const pill = page.locator('hive-toast .toast[data-kind="err"]', { hasText: 'already taken by' });
    await pill.waitFor({ timeout: 30_000 });
    const refusal = await apiCall(d, 'POST', '/api/agents', { name: SECOND });
    expect(refusal.status).toBeGreaterThanOrEqual(400);
    expect(refusal.json.error).toMatch(new RegExp(`^port ${d.agentPortBase + 445} already taken by ${FIRST} — rename one of them`));
    expect((await pill.locator('.text').textContent())?.trim()).toBe(refusal.json.error);
    expect(await row(SECOND).count()).toBe(0);
  });

  it('names both agents of a collision in the red banner', async () => {
    // Only a running agent holds its port (SPEC §2): once FIRST's harness has died, SECOND may be
    // spawned on the same port, and both stay recorded until one is renamed.
    const port = d.agentPortBase + 445;
    killPortHolder(port);
    await expect.poll(async () => (await state()).agents.find((a) => a.name === FIRST)?.status, { timeout: 30_000 }).toBe('crashed');
    const r = await apiCall(d, 'POST', '/api/agents', { name: SECOND });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    const cluster = page.locator(`hive-port-banner li[data-port="${port}"]`);
    await cluster.waitFor({ timeout: 60_000 });
    const text = await cluster.textContent();
    expect(text).toContain(FIRST);
    expect(text).toContain(SECOND);
    expect((await state()).port_conflicts).toEqual([{ port, agents: [FIRST, SECOND] }]);
  });

  let question = 0;
  it('saves desktop and phone screenshots with every panel filled', async () => {
    const token = readFileSync(path.join(d.stateDir, 'state', 'coder', 'token'), 'utf8').trim();
    const auth = { authorization: `Bearer ${token}` };
    question = (await apiCall(d, 'POST', '/api/agent/ask_operator', { question: 'may i delete the old notes folder?' }, auth)).json.question_id;
    await apiCall(d, 'POST', '/api/agent/send_message', { to: FIRST, text: 'rebase on applied/main before the next proposal' }, auth);
    const agentNix = readFileSync(path.join(d.stateDir, 'agents', 'coder', 'config', 'agent.nix'), 'utf8');
    const pending = await queueApproval(
      'coder',
      { 'agent.nix': `# tuned by hm1nd: quieter logs\n${agentNix}`, 'notes/plan.md': '# plan\nship the dashboard\nthen the docs\n' },
      'tune coder',
    );
    await card(pending).locator('details[data-file="agent.nix"]').waitFor();
    await page.locator(`hive-questions [data-question="${question}"] textarea`).waitFor();
    await page.locator('hive-messages li', { hasText: 'rebase on applied/main' }).waitFor();
    await page.locator('hive-toast .toast').first().waitFor({ state: 'detached', timeout: 15_000 });
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await row('hm1nd').waitFor();
    // Phone width: nothing sticks out sideways (long diff lines scroll inside their own box).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    for (const f of ['dashboard-desktop.png', 'dashboard-phone.png']) expect(statSync(path.join(SHOTS, f)).size).toBeGreaterThan(10_000);
  });

  it("answers an agent's question from the panel", async () => {
    const q = page.locator(`hive-questions [data-question="${question}"]`);
    expect(await page.locator('hive-questions').getAttribute('pulsing')).not.toBeNull();
    await q.locator('textarea').fill('yes, keep plan.md');
    await q.locator('button[type="submit"]').click();
    await page.locator(`hive-questions [data-question="${question}"] .answer`, { hasText: 'yes, keep plan.md' }).waitFor();
    expect(await page.locator('hive-questions').getAttribute('pulsing')).toBeNull();
  });

  it('rebuilds an agent from its row, with a spinner and a toast', async () => {
    await row('coder').locator('button', { hasText: 'R3BU1LD' }).click();
    await row('coder').locator('button .spinner').waitFor();
    await toast('ok', 'rebuilt coder').waitFor({ timeout: 60_000 });
    expect(await row('coder').locator('button .spinner').count()).toBe(0);
  });

  it('caps a huge diff with a notice instead of drawing every line', async () => {
    // Four files of 5,000 lines each: every one under the proposal policy's per-file size limit.
    const table = (k: number) => Array.from({ length: 5_000 }, (_, i) => `line ${i} of generated table ${k}`).join('\n') + '\n';
    const id = await queueApproval('coder', Object.fromEntries([0, 1, 2, 3].map((k) => [`data/table-${k}.txt`, table(k)])), 'huge tables');
    const notice = card(id).locator('hive-diff .notice');
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.textContent()).toMatch(/diff capped: \d+ more lines not shown/);
    // The counts stay whole even where the text is cut.
    expect(await card(id).locator('details[data-file="data/table-0.txt"] summary').textContent()).toContain('+5000');
    expect(await card(id).locator('hive-diff .l:not(.dim)').count()).toBeLessThanOrEqual(3000);
    // Deny it so the queue is clean for what follows.
    await card(id).locator('button.danger').click();
    await card(id).locator('input[name="reason"]').fill('too big');
    await card(id).locator('form button[type="submit"]').click();
    await page.locator(`hive-approval-card article[data-approval="${id}"][data-status="denied"]`).waitFor({ timeout: 30_000 });
  });

  it('filters the event history by agent', async () => {
    await page.locator('hive-events select').selectOption(FIRST);
    const items = page.locator('hive-events li');
    await items.first().waitFor();
    const agents = await items.evaluateAll((els) => els.map((el) => el.getAttribute('data-agent')));
    expect(agents.length).toBeGreaterThan(0);
    expect(new Set(agents)).toEqual(new Set([FIRST]));
    await page.locator('hive-events select').selectOption('');
  });

  it('destroys only on the second click, and the banner goes with the collision', async () => {
    const button = row(SECOND).locator('hive-destroy-button button');
    await button.click();
    expect((await button.textContent())?.trim()).toBe('sure? click again');
    await page.waitForTimeout(800);
    expect((await state()).agents.map((a) => a.name)).toContain(SECOND);
    await button.click();
    await row(SECOND).waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('hive-port-banner div').waitFor({ state: 'detached' });
    await toast('ok', `destroyed ${SECOND}`).waitFor();
    expect((await state()).agents.map((a) => a.name)).not.toContain(SECOND);
  });

  it('destroys with purge from the keyboard alone, removing the agent from disk', async () => {
    await row(FIRST).locator('hive-destroy-button input[type="checkbox"]').focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    const button = row(FIRST).locator('hive-destroy-button button');
    expect(await button.evaluate((b) => b.matches(':focus-visible'))).toBe(true);
    await page.keyboard.press('Enter');
    expect((await button.textContent())?.trim()).toBe('sure? click again');
    await page.keyboard.press('Enter');
    await row(FIRST).waitFor({ state: 'detached', timeout: 30_000 });
    await toast('ok', `destroyed ${FIRST} (purged)`).waitFor();
    expect(existsSync(path.join(d.stateDir, 'agents', FIRST, 'config'))).toBe(false);
    expect(existsSync(path.join(d.stateDir, 'applied', FIRST))).toBe(false);
  });

  it('shows reconnecting while the daemon is away and catches up when it is back', async () => {
    const port = Number(new URL(d.url).port);
    await d.stop();
    await page.locator('[data-link="reconnecting"]').waitFor({ timeout: 15_000 });
    d = await startDaemon({ stateDir: d.stateDir, port, managerPort: d.managerPort, agentPortBase: d.agentPortBase });
    await page.locator('[data-link="live"]').waitFor({ timeout: 30_000 });
    await row('coder').waitFor();
    expect(await notReloaded()).toBe(true);
  });

  it('raised no uncaught errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
