import { chromium, type BrowserContext } from 'playwright-core';
import { tempDir } from '@hive/testkit';

/** The system Chromium; the suite never downloads a browser. */
export const CHROMIUM = process.env.HIVE_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless Chromium with a fresh profile dir, at a desktop viewport. */
export async function launchBrowser(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(tempDir('hive-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
}
