import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { commitFiles } from '@hive/testkit';
import { HiveState } from '@hive/protocol';
import { launchBrowser } from './browser.js';
import { apiCall, hive, startDaemon, type Daemon } from './daemon.js';

// Issue 13 in Chromium: roll back from a deploy's card, see a deploy the health gate reverted, freeze and thaw.
let d: Daemon;
let ctx: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

const agentNix = (attrs: string) => `{ config, lib, pkgs, ... }:\n{\n  hive = {\n${attrs}\n  };\n}\n`;
const card = (id: number) => page.locator(`hive-approval-card article[data-approval="${id}"]`);
const row = (name: string) => page.locator(`hive-containers li[data-agent="${name}"]`);
const toast = (kind: 'ok' | 'err', text: string) => page.locator(`hive-toast .toast[data-kind="${kind}"]`, { hasText: text });
const state = async () => HiveState.parse((await apiCall(d, 'GET', '/api/state')).json);
const coder = async () => (await state()).agents.find((a) => a.name === 'coder')!;

async function queue(files: Record<string, string>, message: string): Promise<number> {
  const sha = await commitFiles(path.join(d.stateDir, 'agents', 'coder', 'config'), files, message);
  const r = await hive(d, ['request-apply', 'coder', sha]);
  expect(r.code, r.stderr).toBe(0);
  return Number(r.stdout.trim());
}

beforeAll(async () => {
  [d, ctx] = await Promise.all([startDaemon({ env: { HIVE_HEALTH_TIMEOUT: '20' } }), launchBrowser()]);
  expect((await hive(d, ['spawn', 'coder'])).code).toBe(0);
  page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(d.loginUrl);
  await row('coder').waitFor();
}, 180_000);

afterAll(async () => {
  await ctx?.close();
  await d?.stop();
});

describe('undoing deploys from the dashboard', () => {
  let opus: number;
  let haiku: number;

  it("rolls back to an earlier deploy from its card: the agent's row shows the old model, the undone deploy says so", async () => {
    opus = await queue({ 'agent.nix': agentNix('    model = "opus";') }, 'opus');
    expect((await hive(d, ['approve', String(opus)])).code).toBe(0);
    haiku = await queue({ 'agent.nix': agentNix('    model = "haiku";') }, 'haiku');
    expect((await hive(d, ['approve', String(haiku)])).code).toBe(0);
    // The current deploy offers no rollback; the one before does.
    await card(haiku).waitFor();
    expect(await card(haiku).locator('button', { hasText: 'roll back' }).count()).toBe(0);
    await card(opus).locator('button', { hasText: `roll back to deployed/${opus}` }).click();
    await toast('ok', `coder rolled back to deployed/${opus}`).waitFor({ timeout: 60_000 });
    const now = await coder();
    expect(now).toMatchObject({ config_model: 'opus', deployed_tag: `deployed/${haiku + 1}` });
    await row('coder').locator('.tag', { hasText: `deployed/${haiku + 1}` }).waitFor();
    await row('coder').locator('.health[data-health="ok"]').waitFor();
    await card(haiku + 1).locator('.terminal', { hasText: `deployed/${haiku + 1}` }).waitFor();
    expect(await card(haiku).locator('.undone').textContent()).toContain(`rolled back by #${haiku + 1} — rollback to deployed/${opus}`);
  }, 120_000);

  it('warns on a re-proposal of the rolled-back config before it is approved', async () => {
    const again = await queue({ 'agent.nix': agentNix('    model = "haiku";') }, 'haiku again');
    const warn = card(again).locator('.undone[role="alert"]');
    await warn.waitFor();
    expect(await warn.textContent()).toContain('this config was undone before');
    expect((await hive(d, ['deny', String(again), '--reason', 'no'])).code).toBe(0);
  });

  it('shows a deploy the health gate failed and reverted: the toast, the card, the unhealthy row on its old config', async () => {
    const id = await queue({ 'agent.nix': agentNix('    model = "sonnet";\n    healthTimeout = 3;\n    mcpServers.fs = { command = "/nonexistent/mcp-fs"; };') }, 'fs server');
    await card(id).locator('button.ok').click();
    await page.locator(`hive-approval-card article[data-approval="${id}"][data-status="failed"]`).waitFor({ timeout: 60_000 });
    await toast('err', 'coder failed its health check: mcp fs').waitFor();
    expect(await card(id).locator('.note').textContent()).toMatch(/^health check failed: mcp fs: .+ — reverted to deployed\/\d+$/);
    expect(await card(id).locator('.undone').textContent()).toContain(`auto-reverted by #${id}`);
    await row('coder').locator('.health[data-health="failed"]', { hasText: 'mcp fs' }).waitFor();
    expect(await coder()).toMatchObject({ status: 'running', config_model: 'opus' });
  }, 120_000);

  it('freezes with a reason from the switch: approve is refused naming it; thaw lets it through', async () => {
    // A healthy config again (the proposed repo's head still holds the broken fs server).
    const id = await queue({ 'agent.nix': agentNix('    model = "opus";'), 'notes.md': 'while frozen\n' }, 'notes');
    await page.locator('hive-freeze-switch button', { hasText: 'freeze the hive' }).click();
    await page.locator('hive-freeze-switch input[name="reason"]').fill('incident 42');
    await page.locator('hive-freeze-switch button[type="submit"]').click();
    const banner = page.locator('hive-freeze-switch .frozen');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('incident 42');
    expect((await state()).frozen).toMatchObject({ reason: 'incident 42' });
    await card(id).locator('button.ok').click();
    await toast('err', 'hive is frozen: incident 42').waitFor();
    expect((await state()).approvals.find((a) => a.id === id)?.status).toBe('pending');
    await banner.locator('button', { hasText: 'thaw' }).click();
    await page.locator('hive-freeze-switch button', { hasText: 'freeze the hive' }).waitFor();
    await card(id).locator('button.ok').click();
    await page.locator(`hive-approval-card article[data-approval="${id}"][data-status="deployed"]`).waitFor({ timeout: 60_000 });
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
