import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { serveDist, type StaticDist } from './static-dist.js';

// Components of the built bundle in real Chromium, one fixture each: properties in, DOM and events out.
let server: StaticDist;
let ctx: BrowserContext;
let page: Page;

type Fixture = HTMLElement & Record<string, unknown> & { updateComplete: Promise<boolean> };

beforeAll(async () => {
  [server, ctx] = await Promise.all([serveDist(), launchBrowser()]);
  page = await ctx.newPage();
});

afterAll(async () => {
  await ctx?.close();
  await server?.close();
});

beforeEach(async () => {
  await page.goto(server.fixtureUrl);
  await page.waitForFunction(() => customElements.get('hive-app') !== undefined);
  // Record every UI event that reaches the document.
  await page.evaluate(() => {
    const seen: { type: string; detail: unknown }[] = [];
    (window as unknown as { seen: typeof seen }).seen = seen;
    for (const type of ['spawn-requested', 'destroy-requested', 'deny-requested', 'approve-requested'])
      document.addEventListener(type, (e) => seen.push({ type, detail: (e as CustomEvent).detail }));
  });
});

/** Mounts `<tag>` with the given properties and waits for its first render. */
async function mount(tag: string, props: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(
    async ([tag, props]) => {
      const el = document.createElement(tag as string) as Fixture;
      Object.assign(el, props);
      document.body.append(el);
      await el.updateComplete;
    },
    [tag, props] as const,
  );
}

async function setProps(tag: string, props: Record<string, unknown>): Promise<void> {
  await page.evaluate(
    async ([tag, props]) => {
      const el = document.querySelector(tag as string) as Fixture;
      Object.assign(el, props);
      await el.updateComplete;
    },
    [tag, props] as const,
  );
}

const seen = () => page.evaluate(() => (window as unknown as { seen: { type: string; detail: unknown }[] }).seen);

describe('hive-spawn-form', () => {
  it('sends spawn-requested with the trimmed name', async () => {
    await mount('hive-spawn-form');
    await page.locator('hive-spawn-form input').fill('  coder ');
    await page.locator('hive-spawn-form input').press('Enter');
    expect(await seen()).toEqual([{ type: 'spawn-requested', detail: { name: 'coder' } }]);
  });

  it('spins and sends nothing while busy', async () => {
    await mount('hive-spawn-form', { busy: true });
    await page.locator('hive-spawn-form input').fill('coder');
    await page.locator('hive-spawn-form input').press('Enter');
    expect(await page.locator('hive-spawn-form button .spinner').count()).toBe(1);
    expect(await page.locator('hive-spawn-form button').isDisabled()).toBe(true);
    expect(await seen()).toEqual([]);
  });

  it('keeps a name typed while an earlier spawn was in flight, and clears the one that was spawned', async () => {
    await mount('hive-spawn-form');
    const input = page.locator('hive-spawn-form input');
    await input.fill('second');
    await setProps('hive-spawn-form', { spawned: { name: 'first', seq: 1 } });
    expect(await input.inputValue()).toBe('second');
    await setProps('hive-spawn-form', { spawned: { name: 'second', seq: 2 } });
    expect(await input.inputValue()).toBe('');
  });
});

describe('hive-destroy-button', () => {
  it('arms on the first click and sends destroy-requested with the purge choice on the second', async () => {
    await mount('hive-destroy-button', { name: 'coder' });
    await page.locator('hive-destroy-button input[type="checkbox"]').check();
    const button = page.locator('hive-destroy-button button');
    await button.click();
    expect((await button.textContent())?.trim()).toBe('sure? click again');
    expect(await seen()).toEqual([]);
    await button.click();
    expect(await seen()).toEqual([{ type: 'destroy-requested', detail: { name: 'coder', purge: true } }]);
    expect((await button.textContent())?.trim()).toBe('✗ destroy');
  });

  it('disarms by itself when the second click does not come', async () => {
    await mount('hive-destroy-button', { name: 'coder' });
    const button = page.locator('hive-destroy-button button');
    await button.click();
    await page.waitForTimeout(5300);
    expect((await button.textContent())?.trim()).toBe('✗ destroy');
    await button.click();
    expect(await seen()).toEqual([]);
  });
});

const approval = {
  id: 7,
  agent: 'coder',
  kind: 'apply',
  status: 'pending',
  sha: 'abcdef0123456789',
  commit_ref: 'abcdef01',
  fetched_sha: 'abcdef0123456789',
  terminal_tag: null,
  note: null,
  created_at: '2026-01-01T00:00:00Z',
  resolved_at: null,
};
const diff = {
  text: 'diff --git a/a.nix b/a.nix\n--- a/a.nix\n+++ b/a.nix\n@@ -1 +1 @@\n-old\n+new\n',
  files: [
    { path: 'a.nix', added: 1, removed: 1, binary: false },
    { path: 'b.nix', added: 3, removed: 0, binary: false },
  ],
  truncated: true,
};

describe('hive-approval-card', () => {
  it('shows the fetched sha, both files and the daemon-cut notice', async () => {
    await mount('hive-approval-card', { approval, diff });
    expect(await page.locator('hive-approval-card .sha').textContent()).toBe('abcdef012345');
    expect(await page.locator('hive-approval-card details[data-file]').count()).toBe(2);
    expect(await page.locator('hive-approval-card details[data-file="b.nix"]').textContent()).toContain("cut by the daemon's size cap");
    expect(await page.locator('hive-approval-card .notice').textContent()).toContain('hive diff 7');
  });

  it('asks for a reason before sending deny-requested', async () => {
    await mount('hive-approval-card', { approval, diff });
    await page.locator('hive-approval-card button.danger').click();
    await page.locator('hive-approval-card form button[type="submit"]').click();
    expect(await seen()).toEqual([]);
    await page.locator('hive-approval-card input[name="reason"]').fill('  too broad ');
    await page.locator('hive-approval-card form button[type="submit"]').click();
    expect(await seen()).toEqual([{ type: 'deny-requested', detail: { id: 7, reason: 'too broad' } }]);
  });

  it('offers no approve/deny once resolved, shows the tag and folds the diff; only an earlier deploy offers a rollback to it', async () => {
    await mount('hive-approval-card', { approval: { ...approval, status: 'deployed', terminal_tag: 'deployed/7' }, diff, current: true });
    expect(await page.locator('hive-approval-card button').count()).toBe(0);
    expect(await page.locator('hive-approval-card .terminal').textContent()).toBe('deployed/7');
    expect(await page.locator('hive-approval-card details[open]').count()).toBe(0);
    await setProps('hive-approval-card', { current: false });
    expect(await page.locator('hive-approval-card button').allTextContents()).toEqual([expect.stringContaining('roll back to deployed/7')]);
    await setProps('hive-approval-card', { approval: { ...approval, status: 'failed', terminal_tag: 'failed/7' } });
    expect(await page.locator('hive-approval-card button').count()).toBe(0);
  });
});

describe('hive-port-banner', () => {
  it('renders nothing without conflicts and one line per cluster with them', async () => {
    await mount('hive-port-banner', { conflicts: [] });
    expect(await page.locator('hive-port-banner [role="alert"]').count()).toBe(0);
    await setProps('hive-port-banner', { conflicts: [{ port: 8545, agents: ['agao', 'aghx'] }, { port: 8300, agents: ['x', 'y', 'z'] }] });
    expect(await page.locator('hive-port-banner li').allTextContents()).toEqual(['port 8545: agao · aghx', 'port 8300: x · y · z']);
  });
});
