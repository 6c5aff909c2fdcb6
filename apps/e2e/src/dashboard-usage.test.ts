import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startScriptedApi, tempDir, type ScriptedApi } from '@hive/testkit';
import { HiveState, type AgentUsage } from '@hive/protocol';
import { launchBrowser } from './browser.js';
import { apiCall, startDaemon, type Daemon, offlineClaudeEnv } from './daemon.js';
import { serveDist, type StaticDist } from './static-dist.js';

// What agents cost and do, on the dashboard, against a real daemon whose manager runs the real
// claude CLI on a scripted API; turn reports and questions are posted as the agent would, with its token.

const MANAGER = 'hm1nd';
let api: ScriptedApi;
let d: Daemon;
let ctx: BrowserContext;
let page: Page;
let agentAuth: Record<string, string>;
const pageErrors: string[] = [];

/** Captures every `new Notification(…)` and lets a test hide the page; runs before the dashboard's own code. */
function pageHooks(): void {
  const w = window as unknown as { hiveHooks: { hidden: boolean; asked: number; notes: { title: string; body?: string; tag?: string }[] } };
  w.hiveHooks = { hidden: false, asked: 0, notes: [] };
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (w.hiveHooks.hidden ? 'hidden' : 'visible') });
  const Real = window.Notification;
  // A subclass: the real API still decides permission; only construction is recorded.
  window.Notification = class extends Real {
    static override requestPermission(cb?: NotificationPermissionCallback): Promise<NotificationPermission> {
      w.hiveHooks.asked++;
      return Real.requestPermission(cb);
    }
    constructor(title: string, o?: NotificationOptions) {
      super(title, o);
      w.hiveHooks.notes.push({ title, body: o?.body, tag: o?.tag });
    }
  } as typeof Notification;
}

const asked = () => page.evaluate(() => (window as unknown as { hiveHooks: { asked: number } }).hiveHooks.asked);
const notes = () => page.evaluate(() => (window as unknown as { hiveHooks: { notes: { title: string; body?: string; tag?: string }[] } }).hiveHooks.notes);
const setHidden = (hidden: boolean) => page.evaluate((h) => ((window as unknown as { hiveHooks: { hidden: boolean } }).hiveHooks.hidden = h), hidden);
const notReloaded = () => page.evaluate(() => (window as unknown as { hiveNoReload?: boolean }).hiveNoReload === true);

const row = (name: string) => page.locator(`hive-containers li[data-agent="${name}"]`);
const chip = (name: string) => row(name).locator('hive-activity-chip [data-activity]');
const chipIs = (name: string, activity: string) => row(name).locator(`hive-activity-chip [data-activity="${activity}"]`);
const toast = (kind: 'ok' | 'err' | 'ask', text: string) => page.locator(`hive-toast .toast[data-kind="${kind}"]`, { hasText: text });

async function state(): Promise<HiveState> {
  return HiveState.parse((await apiCall(d, 'GET', '/api/state')).json);
}

async function until<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; state: ${JSON.stringify((await state()).agents)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits for the manager's first turn (on its own Spawned event) to be over and reported, so nothing else moves its row. */
async function managerSettled(): Promise<void> {
  await until('the manager to finish its first turn', async () => {
    const m = (await state()).agents.find((a) => a.name === MANAGER);
    return api.messages().length > 0 && m?.activity === 'idle' && (m.usage?.today.turns ?? 0) >= 1;
  });
}

async function activity(a: 'working' | 'idle'): Promise<void> {
  const r = await apiCall(d, 'POST', '/api/agent/activity', { activity: a }, agentAuth);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
}

/** Records, from inside the page, every activity the manager's chip shows, so a short `working` is not missed. */
async function watchChip(): Promise<() => Promise<string[]>> {
  await page.evaluate((name) => {
    const w = window as unknown as { chipSeen: string[]; chipStop: boolean };
    w.chipSeen = [];
    w.chipStop = false;
    const tick = () => {
      const app = document.querySelector('hive-app')?.shadowRoot;
      const chip = app?.querySelector('hive-containers')?.shadowRoot?.querySelector(`li[data-agent="${name}"] hive-activity-chip`);
      const a = chip?.shadowRoot?.querySelector('[data-activity]')?.getAttribute('data-activity');
      if (a && w.chipSeen[w.chipSeen.length - 1] !== a) w.chipSeen.push(a);
      if (!w.chipStop) requestAnimationFrame(tick);
    };
    tick();
  }, MANAGER);
  return () =>
    page.evaluate(() => {
      const w = window as unknown as { chipSeen: string[]; chipStop: boolean };
      w.chipStop = true;
      return w.chipSeen;
    });
}

async function ask(question: string): Promise<number> {
  const r = await apiCall(d, 'POST', '/api/agent/ask_operator', { question }, agentAuth);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.question_id as number;
}

async function turnReport(o: { cost_usd: number; input_tokens: number; output_tokens: number; budget_exceeded?: boolean; error?: string }): Promise<void> {
  const r = await apiCall(
    d,
    'POST',
    '/api/agent/turn_report',
    { turn: 900, ts: new Date().toISOString(), ok: !o.budget_exceeded, num_turns: 1, duration_ms: 1200, model_usage: {}, ...o },
    agentAuth,
  );
  expect(r.status, JSON.stringify(r.json)).toBe(200);
}

/** The row's usage line for known figures, as the operator should read it. */
const usd = (n: number) => `$${n >= 1 ? n.toFixed(2) : n.toFixed(4)}`;
const tok = (n: number) => (n < 1000 ? String(n) : n < 1_000_000 ? `${(n / 1000).toFixed(1)}k` : `${(n / 1_000_000).toFixed(1)}M`);
const line = (u: AgentUsage) => `${usd(u.cost_usd)} today · ${tok(u.input_tokens)} in / ${tok(u.output_tokens)} out`;


beforeAll(async () => {
  // Zero usage per reply: the manager's own turns cost nothing, so the figures on the row are the ones posted here.
  api = await startScriptedApi({ rules: [], usage: { input_tokens: 0, output_tokens: 0 }, fallback: { text: 'noted.' } });
  [d, ctx] = await Promise.all([
    startDaemon({ env: offlineClaudeEnv(api.url) }),
    launchBrowser(),
  ]);
  await ctx.grantPermissions(['notifications'], { origin: d.url });
  await ctx.addInitScript(pageHooks);
  page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(d.loginUrl);
  await page.evaluate(() => ((window as unknown as { hiveNoReload: boolean }).hiveNoReload = true));
  await page.locator('[data-link="live"]').waitFor();
  await row(MANAGER).waitFor({ timeout: 60_000 });
  agentAuth = { authorization: `Bearer ${readFileSync(path.join(d.stateDir, 'state', MANAGER, 'token'), 'utf8').trim()}` };
}, 240_000);

afterAll(async () => {
  await ctx?.close();
  await d?.stop();
  await api?.close();
});

describe('the dashboard shows what agents cost and do', () => {
  it("shows a posted turn report as today's cost and tokens on the row, live, with the all-time figures in its title", async () => {
    await managerSettled();
    const before = (await state()).agents.find((a) => a.name === MANAGER)!.usage!;
    const usage = row(MANAGER).locator('.usage');
    await usage.filter({ hasText: line(before.today) }).waitFor();
    // As the harness reports a turn: working, the turn's usage, idle. The daemon raises no event for the
    // report itself, so the row's refresh rides on the activity event that follows it.
    await activity('working');
    await turnReport({ cost_usd: 0.0123, input_tokens: 1234, output_tokens: 340 });
    await activity('idle');
    const after = (await state()).agents.find((a) => a.name === MANAGER)!.usage!;
    expect(after.today.cost_usd).toBeCloseTo(before.today.cost_usd + 0.0123, 6);
    expect(line(after.today)).not.toBe(line(before.today));
    await usage.filter({ hasText: line(after.today) }).waitFor({ timeout: 10_000 });
    if (before.today.cost_usd === 0 && before.today.input_tokens === 0) expect((await usage.textContent())?.trim()).toBe('$0.0123 today · 1.2k in / 340 out');
    const title = (await usage.getAttribute('title')) ?? '';
    expect(title).toContain(`all time ${usd(after.cost_usd)} · ${tok(after.input_tokens)} in / ${tok(after.output_tokens)} out`);
    expect(title).toContain(`${after.turns} turn`);
    expect(await notReloaded()).toBe(true);
  });

  let first = 0;
  it('turns the activity chip waiting when the agent asks, with a one-line toast, and back to idle once answered on the page', async () => {
    await chipIs(MANAGER, 'idle').waitFor();
    const seen = await watchChip();
    const long = `may i delete the old notes folder?\nit holds ${'stale drafts, '.repeat(20)}and nothing else`;
    first = await ask(long);
    await chipIs(MANAGER, 'waiting').waitFor({ timeout: 10_000 });
    const t = toast('ask', `${MANAGER} asks: may i delete the old notes folder? it holds stale drafts`);
    await t.waitFor({ timeout: 10_000 });
    const text = ((await t.locator('.text').textContent()) ?? '').trim();
    expect(text).not.toContain('\n');
    expect(text.endsWith('…')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(`${MANAGER} asks: `.length + 120);

    const q = page.locator(`hive-questions [data-question="${first}"]`);
    await q.locator('textarea').fill('yes, delete it');
    await q.locator('button[type="submit"]').click();
    await page.locator(`hive-questions [data-question="${first}"] .answer`, { hasText: 'yes, delete it' }).waitFor({ timeout: 10_000 });
    await until('the chip to leave waiting', async () => (await chip(MANAGER).getAttribute('data-activity')) !== 'waiting', 10_000);
    // The answer is the manager's next turn (real claude against the scripted API): working, then idle.
    await until('the answer in an API request', async () => api.messages().some((r) => r.lastUserText?.includes('yes, delete it')));
    await until('the answer turn to end', async () => (await state()).agents.find((a) => a.name === MANAGER)?.activity === 'idle');
    await chipIs(MANAGER, 'idle').waitFor({ timeout: 10_000 });
    const shown = await seen();
    expect(shown[0]).toBe('idle');
    expect(shown.slice(shown.indexOf('waiting'))).toContain('working');
    expect(shown.indexOf('waiting')).toBeGreaterThan(0);
    expect(shown[shown.length - 1]).toBe('idle');
    expect(await notReloaded()).toBe(true);
  });

  it('fires one browser notification for a question while the page is hidden, once notify me is on, and none while it is visible', async () => {
    const toggle = page.locator('hive-notify-toggle button');
    expect(await toggle.getAttribute('data-notify')).toBe('off');
    await toggle.click();
    await page.locator('hive-notify-toggle button[data-notify="on"]').waitFor();
    expect(await asked()).toBe(1);
    expect(await page.evaluate(() => localStorage.getItem('hive.notify'))).toBe('on');

    await ask('visible: is the toast enough?');
    await toast('ask', `${MANAGER} asks: visible: is the toast enough?`).waitFor({ timeout: 10_000 });
    expect(await notes()).toEqual([]);

    await setHidden(true);
    const id = await ask('hidden: which branch should coder use?');
    await until('a notification', async () => (await notes()).length > 0, 10_000);
    await page.waitForTimeout(1500);
    expect(await notes()).toEqual([{ title: `${MANAGER} asks`, body: 'hidden: which branch should coder use?', tag: `hive-question-${id}` }]);
    await setHidden(false);
  });

  it('remembers notify me across a reload', async () => {
    await page.reload();
    await page.locator('[data-link="live"]').waitFor();
    await page.locator('hive-notify-toggle button[data-notify="on"]').waitFor();
    await page.locator('hive-notify-toggle button').click();
    await page.locator('hive-notify-toggle button[data-notify="off"]').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('hive.notify'))).toBe('off');
  });

  it('raises an error toast naming the agent when its daily budget is spent', async () => {
    const why = 'daily budget of $0.0100 reached ($0.0123 spent today): turn not run — raise hive.budgetUsd or wait until 00:00 UTC';
    await turnReport({ cost_usd: 0, input_tokens: 0, output_tokens: 0, budget_exceeded: true, error: why });
    const t = toast('err', `${MANAGER} stopped: daily budget of $0.0100 reached`);
    await t.waitFor({ timeout: 10_000 });
    expect(((await t.locator('.text').textContent()) ?? '').trim()).toBe(`${MANAGER} stopped: ${why}`);
  });

  it('keeps the containers panel inside a 1000 px wide window', async () => {
    await page.setViewportSize({ width: 1000, height: 800 });
    await row(MANAGER).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1000);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('raised no uncaught errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});

// The model column and the chip's variants, from properties: the daemon does not report config_model everywhere yet.
describe('the containers row, as a fixture', () => {
  let server: StaticDist;
  let fixture: Page;
  const agent = (o: Record<string, unknown>) => ({
    name: 'coder',
    port: 8101,
    status: 'running',
    model: 'opus',
    deployed_tag: 'deployed/3',
    url: 'http://127.0.0.1:1/agents/coder/',
    is_manager: false,
    container: 'hive-agent-coder',
    ...o,
  });
  const mount = (agents: unknown[]) =>
    fixture.evaluate(async (agents) => {
      document.body.replaceChildren();
      const el = document.createElement('hive-containers') as HTMLElement & { agents: unknown[]; updateComplete: Promise<boolean> };
      el.agents = agents;
      document.body.append(el);
      await el.updateComplete;
    }, agents);

  beforeAll(async () => {
    server = await serveDist();
    fixture = await ctx.newPage();
    await fixture.goto(server.fixtureUrl);
    await fixture.waitForFunction(() => customElements.get('hive-containers') !== undefined);
  });
  afterAll(async () => {
    await fixture?.close();
    await server?.close();
  });

  it("shows the running model with agent.nix's default dimmed beside it when they differ", async () => {
    await mount([agent({ model: 'opus', config_model: 'sonnet' })]);
    const model = fixture.locator('hive-containers li[data-agent="coder"] .model');
    expect(await model.getAttribute('data-model')).toBe('opus');
    expect(await model.locator('.config.dim').textContent()).toBe('· config sonnet');
  });

  it('shows only the model when the config agrees or is not reported', async () => {
    await mount([agent({ name: 'coder', model: 'sonnet', config_model: 'sonnet' }), agent({ name: 'iris', model: 'haiku' })]);
    expect(await fixture.locator('hive-containers .model .config').count()).toBe(0);
    expect((await fixture.locator('hive-containers li[data-agent="iris"] .model').textContent())?.replace(/\s+/g, ' ').trim()).toBe('model haiku');
  });

  it('draws each activity as its own chip: working turns, waiting pulses amber, error is red', async () => {
    const activities = ['idle', 'working', 'waiting', 'error'] as const;
    await mount(activities.map((activity) => agent({ name: activity, activity })));
    const look = (a: string) =>
      fixture.locator(`hive-containers li[data-agent="${a}"] hive-activity-chip [data-activity="${a}"]`).evaluate((el) => {
        const s = getComputedStyle(el);
        return { color: s.color, animation: s.animationName, mark: getComputedStyle(el.querySelector('.mark')!).animationName, text: el.textContent };
      });
    const [idle, working, waiting, error] = await Promise.all(activities.map(look));
    expect(working!.mark).toBe('spin');
    expect(waiting!.animation).toBe('pulse');
    expect(waiting!.color).toBe('rgb(255, 176, 0)');
    expect(error!.color).toBe('rgb(255, 59, 78)');
    expect(idle!.animation).toBe('none');
    expect(activities.map((a, i) => [idle, working, waiting, error][i]!.text?.endsWith(a))).toEqual([true, true, true, true]);
  });
});
