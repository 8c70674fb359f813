// Debian's chromium driven by playwright-core, as every browser test starts it: headless,
// a fresh profile in the temporary folder (removed by the test's after()), no sandbox (the
// tests run as root), and nothing downloaded (downloads fail on these machines).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface Chromium {
  /** The profile folder: the caller removes it when done. */
  profile: string;
  context: BrowserContext;
  page: Page;
}

export async function launchChromium(viewport?: { width: number; height: number }): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'hookline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    ...(viewport ? { viewport } : {}),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { profile, context, page };
}
