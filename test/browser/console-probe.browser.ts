// The admin console probed as an attacker and a demanding user would, in a real Chromium
// (Debian's chromium through playwright-core, as console.browser.ts): how /console/ answers
// for a file it does not have, values from the API that look like markup shown as text,
// an edit that empties a field actually clearing it (and an emptied number not sent as 0),
// and a secret typed into a dialog not kept in the page once it was used.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT } from '@hookline/local-stack';
import { eventually, startReceiver, startTestStack, type TestReceiver, type TestStack } from '@hookline/testing';
import { launchChromium } from './chromium';

const TENANT = 'cprobe';
const MARKUP = '<img src=x onerror="globalThis.__xss=1"><b>bold</b>';

describe('the admin console, probed', () => {
  let stack: TestStack;
  let receiver: TestReceiver;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const problems: string[] = [];
  const base = () => `${stack.url}/console/`;

  async function open(route: string): Promise<void> {
    if (page.url().endsWith(`#${route}`)) await page.goto(`${base()}#/`);
    await page.goto(`${base()}#${route}`);
    await page.waitForLoadState('networkidle');
  }

  before(async () => {
    const built = spawnSync(process.execPath, ['services/console/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
    assert.equal(built.status, 0, 'the console builds');
    stack = await startTestStack({ env: { HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128', HOOKLINE_EGRESS_DEADLINE: '2s' } });
    receiver = await startReceiver();
    const op = stack.operator;
    assert.equal((await op.post('/v1/tenants', { id: TENANT, name: 'Console Probe' })).status, 201);
    ({ profile, context, page } = await launchChromium({ width: 1440, height: 900 }));
    context.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => problems.push(`${page.url()}: uncaught ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`a ${d.type()} dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(base());
    await page.getByRole('tab', { name: 'Operator token' }).click();
    await page.getByRole('textbox', { name: 'Operator token' }).fill(stack.operatorToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(`working in tenant ${TENANT}`).waitFor();
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await receiver?.close();
    await stack?.stop();
  });

  it('a file it does not have is a 404 no browser or proxy keeps', async () => {
    // An asset name of a newer build, asked of a registry that lacks it (a rollout, a console built after).
    for (const path of ['/console/assets/index-Zz0Zz0Zz.js', '/console/assets/later.css', '/console/favicon.ico']) {
      const res = await fetch(stack.url + path);
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get('content-type') ?? '', /problem\+json/, path);
      const cache = res.headers.get('cache-control') ?? '';
      assert.doesNotMatch(cache, /immutable|max-age=[1-9]/, `${path}: a 404 cached as "${cache}"`);
      await res.arrayBuffer();
    }
  });

  it('values from the API that look like markup are shown as text', async () => {
    const t = await stack.operator.post('/v1/push/types', { tenant: TENANT, type: 'markup.shown', topic: 'Markup.Shown', description: MARKUP, example: { html: MARKUP } });
    assert.equal(t.status, 201, t.text);
    await open('/push-types');
    const row = page.getByRole('row').filter({ hasText: 'markup.shown' });
    await row.getByText(MARKUP, { exact: true }).waitFor();
    assert.equal(await row.locator('img, b').count(), 0, 'no element made from the description');
    await open('/push-types/markup.shown/show');
    await page.getByRole('region', { name: 'What the server receives' }).getByText('onerror', { exact: false }).waitFor();
    assert.equal(await page.locator('main img, main b').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as { __xss?: number }).__xss), undefined);
    assert.deepEqual(problems, []);
  });

  it('emptying a push type\'s example in the editor clears it', async () => {
    const t = await stack.operator.post('/v1/push/types', { tenant: TENANT, type: 'example.cleared', topic: 'Example.Cleared', description: 'has an example', example: { visitId: 'V-1' } });
    assert.equal(t.status, 201, t.text);
    await open('/push-types/example.cleared');
    const example = page.getByRole('textbox', { name: 'Example data (JSON object)' });
    await example.waitFor();
    assert.match(await example.inputValue(), /V-1/);
    await example.fill('');
    const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes('/v1/push/types/example.cleared'));
    await page.getByRole('button', { name: 'Save' }).click();
    assert.equal((await saved).status(), 200);
    const after = await stack.operator.get(`/v1/push/types/example.cleared?tenant=${TENANT}`);
    assert.equal(after.body.example, null, `the example is gone: ${after.text}`);
    assert.deepEqual(after.body.bodyExample.data, {});
    assert.equal(after.body.description, 'has an example', 'the rest is kept');
  });

  it('an emptied "days" field in the push settings is refused, not sent as 0 (which deletes every waiting notification)', async () => {
    const url = `${receiver.url}/push`;
    assert.equal((await stack.operator.put(`/v1/push/settings?tenant=${TENANT}`, { notification_server_url: url, notification_days_before: 7 })).status, 200);
    const puts: string[] = [];
    const listen = (r: { method(): string; url(): string; postData(): string | null }) => {
      if (r.method() === 'PUT' && r.url().includes('/v1/push/settings')) puts.push(r.postData() ?? '');
    };
    page.on('request', listen);
    try {
      await open('/push-settings');
      const days = page.getByRole('spinbutton', { name: /Days an undelivered notification/ });
      await days.waitFor();
      assert.equal(await days.inputValue(), '7');
      await days.fill('');
      await page.getByRole('textbox', { name: 'Server URL' }).fill(`${url}/v2`);
      await page.getByRole('button', { name: 'Save' }).click();
      // Either the form refuses (a field error) or a PUT goes out: whichever comes first.
      await eventually('the form to refuse or send', async () => puts.length > 0 || (await page.getByText('Required').count()) > 0, 30_000);
      await page.waitForLoadState('networkidle');
    } finally {
      page.off('request', listen);
    }
    assert.deepEqual(puts, [], 'nothing is sent with the field empty');
    assert.equal(await page.getByText('Required').count() > 0, true, 'the field says why');
    const settings = await stack.operator.get(`/v1/push/settings?tenant=${TENANT}`);
    assert.equal(settings.body.notification_days_before, 7);
    assert.equal(settings.body.notification_server_url, url);
  });

  it('an OAuth2 client secret typed to rotate is not kept for the next rotation', async () => {
    assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name: 'Orders.Paid' })).status, 201);
    const account = await stack.operator.post('/v1/accounts', { tenant: TENANT, name: 'receiving', grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] });
    assert.equal(account.status, 201, account.text);
    const r = await stack.operator.post('/v1/receivers', {
      tenant: TENANT,
      name: 'oauth receiver',
      url: `${receiver.url}/hook`,
      topics: ['Orders.Paid'],
      accountId: account.body.account.id,
      auth: { protocol: 'oauth2', tokenUrl: `${receiver.url}/token`, clientId: 'client-1', clientSecret: 'first-client-secret' },
    });
    assert.equal(r.status, 201, r.text);
    await open(`/receivers/${r.body.receiver.id}/show`);
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const dialog = page.getByRole('dialog', { name: /Rotate the secret/ });
    await dialog.getByLabel('New OAuth2 client secret').fill('second-client-secret');
    const rotated = page.waitForResponse((res) => res.request().method() === 'POST' && res.url().includes('/rotate-secret'));
    await dialog.getByRole('button', { name: 'Rotate' }).click();
    assert.equal((await rotated).status(), 201);
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const again = page.getByRole('dialog', { name: /Rotate the secret/ }).getByLabel('New OAuth2 client secret');
    assert.equal(await again.inputValue(), '', 'the secret typed last time is not kept in the page');
    assert.equal(await page.evaluate(() => (globalThis as any).document.documentElement.outerHTML.includes('second-client-secret')), false);
    await page.getByRole('button', { name: 'Cancel' }).click();
    // Nor in the browser's storage, with the operator token (kept in the page's memory only).
    const stored = await page.evaluate(() => JSON.stringify([(globalThis as any).localStorage, (globalThis as any).sessionStorage]));
    for (const secret of [stack.operatorToken, 'second-client-secret', 'first-client-secret']) assert.ok(!stored.includes(secret), `${secret.slice(0, 8)}… is not in web storage`);
    assert.deepEqual(problems, []);
  });
});
