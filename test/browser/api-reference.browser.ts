// The API reference page in a real Chromium (Debian's chromium, driven by playwright-core):
// it renders the operations of /openapi.json, and every request the page makes goes to
// the API's own origin (no CDN, nothing from another site).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestStack, type TestStack } from '@hookline/testing';
import { launchChromium } from './chromium';

describe('the API reference page', () => {
  let stack: TestStack;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const requested: string[] = [];

  before(async () => {
    stack = await startTestStack({ services: ['registry'] });
    ({ profile, context, page } = await launchChromium({ width: 1280, height: 860 }));
    page.on('request', (r) => requested.push(r.url()));
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await stack?.stop();
  });

  it('shows the operations of every service, loading nothing from elsewhere', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${stack.url}/api-reference`);
    await page.getByText('Hookline API', { exact: false }).first().waitFor({ timeout: 30_000 });
    // An operation of the registry, of the audit log and of the webhook-listener.
    for (const path of ['/v1/units/{id}', '/v1/deliveries/{id}', '/v1/listener-logs']) {
      await page.locator('.opblock-summary-path', { hasText: path }).first().waitFor({ timeout: 10_000 });
    }
    assert.deepEqual(errors, []);
    const origin = new URL(stack.url).origin;
    const elsewhere = requested.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'));
    assert.deepEqual(elsewhere, [], 'every request goes to the API itself');
    assert.ok(requested.includes(`${origin}/openapi.json`), requested.join('\n'));
  });
});
