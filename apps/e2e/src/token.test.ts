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

describe('the operator login, loopback included', () => {
  it('shows the token form and no live link without a session', async () => {
    await page.goto(d.url + '/');
    await page.locator('hive-login form').waitFor();
    expect(await page.locator('[data-link="live"]').count()).toBe(0);
    expect(await page.locator('hive-containers').textContent()).not.toContain('hm1nd');
  });

  it("a wrong token in the form shows the daemon's refusal and logs nobody in", async () => {
    await page.locator('hive-login input').fill('not-the-token-0000000000');
    await page.locator('hive-login button[type="submit"]').click();
    await page.locator('hive-login .error', { hasText: 'wrong operator token' }).waitFor();
    expect((await ctx.cookies(d.url)).some((c) => c.name === 'hive_session')).toBe(false);
  });

  it('the right token in the form logs in and goes live', async () => {
    await page.locator('hive-login input').fill(TOKEN);
    await page.locator('hive-login button[type="submit"]').click();
    await page.locator('[data-link="live"]').waitFor();
    expect(await page.locator('hive-login').count()).toBe(0);
  });

  it('takes the login link #token=, drops it from the address bar and sets an HttpOnly SameSite=Strict cookie', async () => {
    await ctx.clearCookies();
    // A fresh load (not a same-page hash change), as when the operator opens the link.
    await page.goto('about:blank');
    await page.goto(`${d.url}/#token=${TOKEN}`);
    await page.locator('[data-link="live"]').waitFor();
    await page.locator('hive-app header', { hasText: 'runtime process' }).waitFor();
    expect(new URL(page.url()).hash).toBe('');
    const cookie = (await ctx.cookies(d.url)).find((c) => c.name === 'hive_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(cookie!.value).not.toContain(TOKEN);
    // Script on the page cannot read it, and nothing keeps the token in storage.
    expect(await page.evaluate(() => document.cookie)).not.toContain('hive_session');
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }))).not.toContain(TOKEN);
  });

  it('stays logged in across a reload', async () => {
    await page.reload();
    await page.locator('[data-link="live"]').waitFor();
    expect(await page.locator('hive-login').count()).toBe(0);
  });

  it('records the logins in the audit panel', async () => {
    await page.locator('hive-audit li[data-audit="login"]', { hasText: 'refused 401' }).first().waitFor();
    expect(await page.locator('hive-audit li[data-audit="login"]', { hasText: 'ok' }).count()).toBeGreaterThan(0);
  });
});
