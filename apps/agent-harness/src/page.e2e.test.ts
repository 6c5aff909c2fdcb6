import os from 'node:os';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argOf, claudeRuns, harnessEnv, startHarness, waitFor, type RunningHarness, daemonFetch, daemonAuth } from './test-support/harness-process.js';

// The committed screenshot is refreshed only on request (HIVE_E2E_SCREENSHOTS=1), so a test run leaves the tree clean.
const screenshot = process.env.HIVE_E2E_SCREENSHOTS === '1'
  ? fileURLToPath(new URL('../../../docs/harness.png', import.meta.url))
  : path.join(os.tmpdir(), `hive-harness-${process.pid}.png`);
let browser: Browser;
let h: RunningHarness;

async function inbox(item: unknown): Promise<void> {
  const res = await daemonFetch(`${h.url}/api/inbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...daemonAuth },
    body: JSON.stringify(item),
  });
  expect(res.status).toBe(202);
}

beforeAll(async () => {
  h = await startHarness(harnessEnv({ FAKE_CLAUDE_DELAY_MS: '200', HIVE_LABEL: 'coder · builds things', HIVE_DASHBOARD_PORT: '7777' }));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

describe('the harness page in chromium', () => {
  it('switches the model with /model opus, streams the reply to a message, and answers slash commands', async () => {
    await inbox({ kind: 'event', from: 'daemon', text: 'rebuild ok → deployed/4', event: { id: 4, ts: new Date().toISOString(), type: 'Rebuilt', agent: 'coder', data: { ok: true } } });
    await inbox({ kind: 'message', from: 'iris', text: 'can you look at the flaky test?' });
    await waitFor(async () => ((await (await daemonFetch(`${h.url}/api/state`)).json()) as { busy: boolean; queue: number }).busy === false && claudeRuns(h.claudeLog).length === 2, 'the inbox turns');

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
    await expect.poll(() => last.textContent(), { timeout: 15_000 }).toBe('echo: hello from chromium');
    // The reply streamed in: partial text was on screen before the final entry replaced it.
    const seen = (await page.evaluate('window.__seen')) as string[];
    expect(seen.some((t) => t.startsWith('echo') && t.length < 'echo: hello from chromium'.length)).toBe(true);
    expect(await page.locator('hive-chat-log .entry.streaming').count()).toBe(0);
    expect(argOf(claudeRuns(h.claudeLog).at(-1)!, '--model')).toBe('opus');

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
    const hist = (await (await daemonFetch(`${h.url}/api/history`)).json()) as { entries: unknown[] };
    expect(hist.entries.length).toBe(6);
    await page.close();
  });
});
