import os from 'node:os';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedApi, type ScriptedApi } from '@hive/testkit';
import { harnessEnv, startHarness, waitFor, type RunningHarness, daemonFetch, daemonAuth } from './test-support/harness-process.js';

// The committed screenshot is refreshed only on request (HIVE_E2E_SCREENSHOTS=1), so a test run leaves the tree clean.
const screenshot = process.env.HIVE_E2E_SCREENSHOTS === '1'
  ? fileURLToPath(new URL('../../../docs/harness.png', import.meta.url))
  : path.join(os.tmpdir(), `hive-harness-${process.pid}.png`);
let browser: Browser;
let api: ScriptedApi;
let h: RunningHarness;

const LOOK = 'Let me check the workspace first.';
const HELLO = 'Hello from chromium! The workspace is clean and I am on opus now.';

async function inbox(item: unknown): Promise<void> {
  const res = await daemonFetch(`${h.url}/api/inbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...daemonAuth },
    body: JSON.stringify(item),
  });
  expect(res.status).toBe(202);
}

beforeAll(async () => {
  api = await startScriptedApi([
    { lastUserText: '[event Rebuilt from daemon]', reply: { text: 'Rebuilt on deployed/4: all checks green.' } },
    { lastUserText: '[message from iris]', reply: { text: 'On it, iris: the flaky test waits on a port that is not free yet.' } },
    // Text, then a tool that takes a second, then the rest: the first text sits in the live bubble meanwhile.
    { lastUserText: 'hello from chromium', hasToolResult: false, reply: { blocks: [{ text: LOOK }, { toolUse: { name: 'Bash', input: { command: 'sleep 0.5; git status --short | wc -l', description: 'look around' } } }] } },
    { hasToolResult: true, reply: { text: HELLO } },
  ]);
  h = await startHarness(harnessEnv(api.url, { HIVE_LABEL: 'coder · builds things', HIVE_DASHBOARD_PORT: '7777' }));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await h?.stop();
  await api?.close();
});

describe('the harness page in chromium', () => {
  it('switches the model with /model opus, streams the reply to a message, and answers slash commands', async () => {
    await inbox({ kind: 'event', from: 'daemon', text: 'rebuild ok → deployed/4', event: { id: 4, ts: new Date().toISOString(), type: 'Rebuilt', agent: 'coder', data: { ok: true } } });
    await inbox({ kind: 'message', from: 'iris', text: 'can you look at the flaky test?' });
    await waitFor(async () => ((await (await daemonFetch(`${h.url}/api/state`)).json()) as { busy: boolean }).busy === false && api.messages().length === 2, 'the inbox turns', 60_000);
    expect(api.messages().map((r) => r.model)).toEqual([expect.stringMatching(/sonnet/), expect.stringMatching(/sonnet/)]);

    // The daemon's proxy adds its key; a browser opened on the harness directly must carry it too.
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, extraHTTPHeaders: daemonAuth });
    await page.goto(h.url);
    const chip = page.locator('[data-testid=model-chip]');
    await expect.poll(() => chip.textContent()).toBe('model · sonnet');
    await expect.poll(() => page.locator('hive-chat-log .entry.agent').count()).toBe(2);

    const input = page.locator('hive-chat-input input');
    await input.fill('/');
    await expect.poll(() => page.locator('hive-chat-input .hint .usage').allTextContents()).toEqual(['/model [name]', '/status', '/cancel', '/clear', '/help']);
    await input.fill('/model opus');
    await input.press('Enter');
    await expect.poll(() => chip.textContent()).toBe('model · opus');
    expect(await (await daemonFetch(`${h.url}/api/state`)).json()).toMatchObject({ model: 'opus' });

    // Record what the live (streaming) bubble shows while the turn runs, sampled in the page every 20 ms.
    // (A string, as this file is type-checked without the DOM lib.)
    await page.evaluate(`(() => {
      window.__seen = [];
      setInterval(() => {
        const log = document.querySelector('hive-harness-app')?.shadowRoot?.querySelector('hive-chat-log')?.shadowRoot;
        const live = log?.querySelector('.entry.streaming .text')?.textContent;
        if (live) window.__seen.push(live);
      }, 20);
    })()`);
    await input.fill('hello from chromium');
    await input.press('Enter');
    const last = page.locator('hive-chat-log .entry.agent .text').last();
    await expect.poll(() => last.textContent(), { timeout: 60_000 }).toBe(`${LOOK}\n\n${HELLO}`);
    // The reply streamed in: partial text was on screen before the final entry replaced it.
    const seen = (await page.evaluate('window.__seen')) as string[];
    expect(seen.some((t) => t.startsWith(LOOK) && t.length < `${LOOK}\n\n${HELLO}`.length)).toBe(true);
    expect(await page.locator('hive-chat-log .entry.streaming').count()).toBe(0);
    expect(await page.locator('hive-chat-log .entry.tool .text').last().textContent()).toMatch(/^Bash \{"command":"sleep 0.5; git status/);
    // Both API calls of the turn (before and after the tool) ran on the model the page switched to.
    expect(api.messages().slice(2).map((r) => r.model)).toEqual([expect.stringMatching(/opus/), expect.stringMatching(/opus/)]);

    await input.fill('/frobnicate');
    await input.press('Enter');
    await expect.poll(() => page.locator('hive-chat-log .entry.system .text').last().textContent()).toMatch(/^unknown command \/frobnicate — known: \/model, \/status, \/cancel, \/clear, \/help/);
    await input.fill('/model');
    await input.press('Enter');
    await expect.poll(() => page.locator('hive-chat-log .entry.system .text').last().textContent()).toBe('model · opus (override; config default sonnet)');

    await input.fill('/status');
    await input.press('Enter');
    await expect.poll(() => page.locator('hive-chat-log .entry.system .text').last().textContent()).toMatch(/^coder \(coder · builds things\) · model opus · idle · queue 0 · port \d+ · socket live$/);
    await input.fill('/cancel');
    await input.press('Enter');
    await expect.poll(() => page.locator('hive-chat-log .entry.system .text').last().textContent()).toBe('nothing is running');

    await input.fill('/');
    mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot });

    await input.fill('/clear');
    await input.press('Enter');
    await expect.poll(() => page.locator('hive-chat-log .entry').count()).toBe(0);
    // /clear cleared the view only: the log still holds the three turns, each with its usage line.
    const hist = (await (await daemonFetch(`${h.url}/api/history`)).json()) as { entries: { role: string; turn: number }[] };
    // (Inbox items are logged on arrival, so the iris message sits before turn 1's reply: compare by turn.)
    expect(hist.entries.sort((a, b) => a.turn - b.turn).map((e) => `${e.turn}:${e.role}`)).toEqual(['1:event', '1:agent', '1:system', '2:message', '2:agent', '2:system', '3:operator', '3:tool', '3:agent', '3:system']);
    await page.close();
  });
});
