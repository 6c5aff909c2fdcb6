// The page in Chromium over a harness PROCESS running the real claude CLI against the scripted API.
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedApi, type ScriptedApi } from '@hive/testkit';
import { daemonAuth, daemonFetch, harnessEnv, startHarness, waitFor, type RunningHarness } from './test-support/harness-process.js';
import { startDaemonStandIn, type DaemonStandIn } from './test-support/real-claude.js';

let browser: Browser;
let api: ScriptedApi;
let daemon: DaemonStandIn;
let h: RunningHarness;

beforeAll(async () => {
  api = await startScriptedApi({
    rules: [
      { lastUserText: 'overload', times: 1, reply: { error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } } },
      { lastUserText: 'hello', reply: { text: 'Hello from the real CLI, streamed through the harness.' } },
    ],
    usage: { input_tokens: 1500, output_tokens: 42 },
  });
  daemon = await startDaemonStandIn();
  // No HIVE_CLAUDE_CMD: the harness runs the pinned CLI it resolves itself; state/<n> is claude's HOME.
  h = await startHarness(harnessEnv(api.url, { HIVE_DAEMON_URL: daemon.url, HIVE_BUDGET_USD: '5' }));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await h?.stop();
  await api?.close();
  await daemon?.close();
});

const chat = (text: string) =>
  daemonFetch(`${h.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
const state = async () => (await (await daemonFetch(`${h.url}/api/state`)).json()) as { busy: boolean; activity: string; usage_today: { turns: number; cost_usd: number } };

describe('the harness page with the real claude CLI', () => {
  it('shows the reply once with its usage line, today\'s spend, and a failed API call as one error line with activity error', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, extraHTTPHeaders: daemonAuth });
    await page.goto(h.url);
    const activity = page.locator('[data-testid=activity]');
    await expect.poll(() => activity.textContent()).toBe('idle');

    expect((await chat('hello')).status).toBe(202);
    await waitFor(async () => (await state()).usage_today.turns === 1 && !(await state()).busy, 'the hello turn', 60_000);
    const agent = page.locator('hive-chat-log .entry.agent .text');
    await expect.poll(() => agent.allTextContents(), { timeout: 15_000 }).toEqual(['Hello from the real CLI, streamed through the harness.']);
    expect(await page.locator('hive-chat-log .entry.streaming').count()).toBe(0);
    const usage = page.locator('hive-chat-log .entry.usage .text');
    await expect.poll(() => usage.allTextContents()).toEqual([expect.stringMatching(/^\$0\.\d{4} · 1\.5k in \/ 42 out$/)]);
    const cost = (await state()).usage_today.cost_usd;
    expect(cost).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-testid=spend]').textContent()).toBe(`today $${cost.toFixed(4)} · 1 turn / $5.00 budget`);

    expect((await chat('overload please')).status).toBe(202);
    const errors = page.locator('hive-chat-log .entry.error .text');
    await expect.poll(() => errors.allTextContents(), { timeout: 60_000 }).toEqual([expect.stringMatching(/^API error 529 overloaded: Overloaded\. [^\n]+$/)]);
    await expect.poll(() => activity.textContent()).toBe('error');
    // The failed call cost nothing: the resumed session's earlier cost is not charged again.
    await expect.poll(() => usage.allTextContents()).toEqual([expect.stringMatching(/^\$0\.\d{4} · 1\.5k in \/ 42 out$/), '$0.0000 · 0 in / 0 out']);
    expect((await state()).usage_today).toMatchObject({ turns: 2, cost_usd: cost });
    expect(await page.locator('hive-chat-log .entry.agent').count()).toBe(1);
    // Both turns went through the real CLI to the scripted API.
    expect(api.messages().map((r) => r.lastUserText)).toEqual(['hello', expect.stringContaining('overload please')]);
    // The daemon heard both turns and every activity change.
    await waitFor(() => daemon.of('turn_report').length === 2, 'two turn reports');
    expect(daemon.of('turn_report').map((c) => c.body.ok)).toEqual([true, false]);
    expect(daemon.of('activity').map((c) => c.body.activity)).toContain('error');
    await page.close();
  });
});
