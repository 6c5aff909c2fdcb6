import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { startDaemon, type Daemon } from './daemon.js';

const TOKEN = 'e2e-operator-token-0123456789';

let d: Daemon;
let ctx: BrowserContext;
let page: Page;

beforeAll(async () => {
  // No manager: this file only needs the API to answer, not agents to run.
  [d, ctx] = await Promise.all([startDaemon({ env: { HIVE_OPERATOR_TOKEN: TOKEN, HIVE_SPAWN_MANAGER: '0' } }), launchBrowser()]);
  page = await ctx.newPage();
});

afterAll(async () => {
  await ctx?.close();
  await d?.stop();
});

describe('a daemon that requires the operator token', () => {
  it("shows the daemon's refusal and how to pass the token", async () => {
    await page.goto(d.url + '/');
    const err = page.locator('hive-app .load-error');
    await err.waitFor();
    expect(await err.textContent()).toContain('operator token required');
    expect(await err.textContent()).toContain('/#token=<operator token>');
    expect(await page.locator('[data-link="live"]').count()).toBe(0);
  });

  it('takes the token from #token=, drops it from the address bar and goes live', async () => {
    await page.goto(`${d.url}/#token=${TOKEN}`);
    await page.locator('[data-link="live"]').waitFor();
    await page.locator('hive-app header', { hasText: 'runtime process' }).waitFor();
    expect(await page.locator('hive-app .load-error').count()).toBe(0);
    expect(new URL(page.url()).hash).toBe('');
  });

  it('keeps the token for the tab across a reload', async () => {
    await page.reload();
    await page.locator('[data-link="live"]').waitFor();
    expect(await page.locator('hive-app .load-error').count()).toBe(0);
  });
});
