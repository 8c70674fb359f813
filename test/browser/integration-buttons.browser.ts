// The <hookline-integrations> web component in a real Chromium (Debian's chromium,
// driven by playwright-core; no browser download), on the demo host page `npm start`
// serves, against the whole platform and the demo integration on loopback: one button vs
// a dropdown, the brown look and its CSS custom properties, background requests' info /
// success / red error notifications (the seed's errors), new windows with the right query
// or form and a valid verification hash, side panels (framed, and refused with a message),
// "reload" from a window or frame the component opened, and foreign messages ignored.
// HOOKLINE_SCREENSHOT_DIR=<dir> saves the demo page's states there (npm run screenshots).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { DEMO_SALT, DEMO_TENANT, freePort, startIntegrationsDemo, type IntegrationsDemo } from '@hookline/local-stack';
import { eventually, startTestStack, type TestStack } from '@hookline/testing';
import { launchChromium } from './chromium';

const screenshotDir = process.env.HOOKLINE_SCREENSHOT_DIR;
/** Runs in the page (this file is type-checked against Node's library, not the DOM's). */
const backgroundOf = (el: unknown): string => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor;

function validVerification(timestamp: string | null, verification: string | null): boolean {
  return !!timestamp && !!verification && createHash('md5').update(timestamp + DEMO_SALT).digest('hex') === verification;
}

describe('<hookline-integrations> in Chromium', () => {
  let stack: TestStack;
  let demo: IntegrationsDemo;
  let context: BrowserContext;
  let page: Page;
  let profile: string;

  const card = (kind: string) => page.locator(`section[data-page="${kind}"]`);
  const control = (kind: string) => card(kind).locator('hookline-integrations button.hl');
  const notice = (kind: 'info' | 'success' | 'error') => page.locator(`hookline-integrations .notice.${kind}`);
  const shot = async (name: string) => {
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, name) });
  };
  // What the integration got from the browser or a background request (not the platform's HEAD probes for framing).
  const receivedAt = (path: string) => demo.received.filter((r) => r.path === path && r.method !== 'HEAD');
  async function openHost(): Promise<void> {
    await page.goto(demo.hostUrl);
    await page.locator('section[data-page="patient"] hookline-integrations button.hl').waitFor();
  }
  async function choose(kind: string, name: string): Promise<void> {
    await control(kind).click();
    await card(kind).getByRole('menuitem', { name }).click();
  }
  async function background(el: Locator): Promise<void> {
    await el.click();
  }
  /** Dismisses every notification (so a screenshot shows what the test is about). */
  async function clearNotices(): Promise<void> {
    const close = page.locator('hookline-integrations .notice button');
    while ((await close.count()) > 0) await close.first().click();
  }

  before(async () => {
    const hostPort = await freePort();
    stack = await startTestStack({
      env: { HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128', HOOKLINE_EGRESS_DEADLINE: '2s', HOOKLINE_CORS_ORIGINS: `http://127.0.0.1:${hostPort}` },
    });
    demo = await startIntegrationsDemo({ apiUrl: stack.url, operatorToken: stack.operatorToken, hostPort });
    if (screenshotDir) mkdirSync(screenshotDir, { recursive: true });
    ({ profile, context, page } = await launchChromium({ width: 1280, height: 860 }));
    await openHost();
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await demo?.close();
    await stack?.stop();
  });

  it('one integration is a brown button with its name; several are a dropdown; the look is themable', async () => {
    await shot('integrations-demo.png');
    assert.equal(await control('patient').textContent(), 'Patient chart');
    assert.equal(await control('patient').getAttribute('aria-haspopup'), null);
    const bg = await control('patient').evaluate(backgroundOf);
    assert.equal(bg, 'rgb(139, 90, 43)', 'the seed\'s brown');
    const dropdown = control('client');
    assert.equal(await dropdown.getAttribute('aria-haspopup'), 'menu');
    assert.match((await dropdown.textContent()) ?? '', /Integrations/);
    await dropdown.click();
    const items = card('client').getByRole('menuitem');
    assert.deepEqual(await items.allTextContents(), ['Sync client to CRM', 'Open client in CRM']);
    await shot('integrations-dropdown.png');
    await page.keyboard.press('Escape');
    assert.equal(await items.count(), 0);
    // A host page re-colours the buttons with CSS custom properties.
    await card('patient').locator('hookline-integrations').evaluate((el) => (el as unknown as { style: { setProperty(k: string, v: string): void } }).style.setProperty('--hookline-button-background', 'rgb(0, 96, 100)'));
    assert.equal(await control('patient').evaluate(backgroundOf), 'rgb(0, 96, 100)');
    await card('patient').locator('hookline-integrations').evaluate((el) => (el as unknown as { style: { removeProperty(k: string): void } }).style.removeProperty('--hookline-button-background'));
    // No integration on a page (no reminder selected yet): nothing at all.
    assert.equal(await control('reminders').count(), 0);
  });

  it('background request: an info notification when scheduled, a success one when the integration answered 2xx', async () => {
    await clearNotices();
    await background(control('invoice'));
    await notice('info').filter({ hasText: 'Send invoice to accounting: integration request scheduled' }).waitFor();
    await notice('success').filter({ hasText: 'Send invoice to accounting: integration request succeeded' }).waitFor();
    await shot('integrations-success.png');
    const [r] = receivedAt('/api/invoices');
    assert.equal(r.method, 'POST');
    assert.deepEqual(r.fields, [['invoice_id', '3001']]);
    // The client's background request: GET, prefix, verification, the static header.
    await choose('client', 'Sync client to CRM');
    await notice('success').filter({ hasText: 'Sync client to CRM' }).waitFor();
    // Two components' notices at once (the invoice's is still shown): one stack, neither drawn over the other.
    assert.equal(await page.locator('hookline-integrations .notices').count(), 1);
    assert.equal(await page.locator('hookline-integrations .notices .notice').filter({ hasText: /Send invoice to accounting|Sync client to CRM/ }).count() >= 2, true);
    const [c] = receivedAt('/api/clients');
    assert.equal(c.method, 'GET');
    assert.deepEqual(c.fields.map(([k]) => k), ['id', 'timestamp', 'verification']);
    assert.equal(c.fields[0][1], 'client_1001');
    assert.equal(c.verification, 'valid');
    assert.equal(c.headers['x-demo-key'], 'demo-static-header-value');
  });

  it("background failures: a red notification with the seed's error", async () => {
    await clearNotices();
    await background(control('appointment_calendar'));
    const red = notice('error').filter({ hasText: 'Integration request failed (Integration error)' });
    await red.waitFor();
    assert.equal(await red.evaluate(backgroundOf), 'rgb(198, 40, 40)');
    assert.equal(await red.getAttribute('role'), 'alert');
    await shot('integrations-error.png');
    // The request to schedule it does not go through at all.
    await page.route('**/v1/integrations/*/trigger', (route) => route.abort('connectionrefused'));
    try {
      await background(control('invoice'));
      await notice('error').filter({ hasText: 'Integration request failed (Connection error)' }).waitFor();
    } finally {
      await page.unroute('**/v1/integrations/*/trigger');
    }
    // The integration was disabled after the page rendered its button: the platform refuses the data.
    const invoice = demo.integrations['Send invoice to accounting'];
    const toggle = (enabled: boolean) => stack.operator.patch(`/v1/integrations/${invoice}?tenant=${DEMO_TENANT}`, { enabled });
    assert.equal((await toggle(false)).status, 200);
    try {
      await background(control('invoice'));
      await notice('error').filter({ hasText: 'Integration request failed (Data error)' }).waitFor();
    } finally {
      assert.equal((await toggle(true)).status, 200);
    }
  });

  it('new window: GET opens the URL with the query and a valid verification; POST submits the form to a new tab', async () => {
    const [popup] = await Promise.all([context.waitForEvent('page'), choose('client', 'Open client in CRM')]);
    await popup.waitForLoadState();
    const u = new URL(popup.url());
    assert.equal(u.origin, demo.receiverUrl);
    assert.equal(u.pathname, '/crm/client');
    assert.deepEqual([...u.searchParams.keys()], ['id', 'timestamp', 'verification']);
    assert.equal(u.searchParams.get('id'), 'client_1001');
    assert.ok(validVerification(u.searchParams.get('timestamp'), u.searchParams.get('verification')), 'md5(timestamp + salt), computed independently');
    assert.equal(await popup.locator('#verification').textContent(), 'verification: valid');
    await popup.close();

    const [form] = await Promise.all([context.waitForEvent('page'), background(control('consultation'))]);
    await form.waitForURL(/\/lab\/order$/);
    assert.equal(await form.locator('#request').textContent(), 'POST /lab/order');
    const [r] = receivedAt('/lab/order');
    assert.equal(r.method, 'POST');
    assert.deepEqual(r.fields.map(([k]) => k), ['consultation_id', 'timestamp', 'verification']);
    assert.equal(r.fields[0][1], '4001');
    assert.equal(r.verification, 'valid');
    await form.close();
  });

  it('side panel: the target in an iframe over the page, closable; a clear message when it refuses to be framed', async () => {
    await clearNotices();
    await control('patient').click();
    const panel = page.locator('hookline-integrations aside.panel');
    await panel.waitFor();
    const frame = await eventually('the chart in the side panel', async () => page.frames().find((f) => f.url().startsWith(`${demo.receiverUrl}/chart`)));
    await frame.locator('#request').waitFor();
    assert.equal(await frame.locator('#request').textContent(), 'GET /chart');
    assert.equal(await frame.locator('#verification').textContent(), 'verification: valid');
    await shot('integrations-side-panel.png');
    await panel.getByRole('button', { name: 'Close' }).click();
    assert.equal(await panel.count(), 0);

    await control('shift_calendar').click();
    const refused = page.locator('hookline-integrations aside.panel .refused');
    await refused.waitFor();
    assert.match((await refused.textContent()) ?? '', /Rota planner \(no frames\) cannot be shown in a side panel: the target sends X-Frame-Options: DENY/);
    assert.match((await refused.textContent()) ?? '', /Open it in a new tab instead/);
    await shot('integrations-frame-refused.png');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('hookline-integrations aside.panel').count(), 0);

    // POST into the panel's frame.
    await control('diagnostic_imaging').click();
    const pacs = await eventually('the PACS viewer in the side panel', async () => page.frames().find((f) => f.url().startsWith(`${demo.receiverUrl}/pacs`)));
    await pacs.locator('#request').waitFor();
    assert.equal(await pacs.locator('#request').textContent(), 'POST /pacs');
    assert.deepEqual(receivedAt('/pacs')[0].fields, [['referral_id', '5001']]);
    await page.locator('hookline-integrations aside.panel').getByRole('button', { name: 'Close' }).click();
  });

  it('reminders: the selected ids from the page, sent in one request in order', async () => {
    await card('reminders').locator('input[value="603"]').check();
    await card('reminders').locator('input[value="601"]').check();
    await control('reminders').waitFor();
    await choose('reminders', 'Send reminders by SMS');
    await notice('success').filter({ hasText: 'Send reminders by SMS' }).waitFor();
    assert.deepEqual(receivedAt('/api/reminders')[0].fields, [['reminder_id', 'rem_601'], ['reminder_id', 'rem_603']]);
  });

  it('"reload" from a window the component opened reloads the host page; from a frame it opened too', async () => {
    const loads = async () => Number(await page.evaluate('window.__hostLoads'));
    const before = await loads();
    const [popup] = await Promise.all([context.waitForEvent('page'), choose('client', 'Open client in CRM')]);
    await popup.locator('#reload').waitFor();
    await Promise.all([page.waitForEvent('load'), popup.locator('#reload').click()]);
    await control('patient').waitFor();
    assert.equal(await loads(), before + 1);
    await popup.close();

    await control('patient').click();
    const frame = await eventually('the chart in the side panel', async () => page.frames().find((f) => f.url().startsWith(`${demo.receiverUrl}/chart`)));
    await frame.locator('#reload').waitFor();
    await Promise.all([page.waitForEvent('load'), frame.locator('#reload').click()]);
    await control('patient').waitFor();
    assert.equal(await loads(), before + 2);
  });

  it('"reload" from a foreign origin, or from a window it did not open, is ignored', async () => {
    await page.evaluate(`(() => {
      window.__marker = 'still here';
      window.__seen = [];
      window.__reloads = 0;
      document.addEventListener('hookline-reload', () => window.__reloads++);
      window.addEventListener('message', (e) => window.__seen.push(e.origin + ' ' + e.data));
    })()`);
    const foreignOrigin = new URL(demo.foreignUrl).origin;
    // A frame of another origin the host page has, not opened by the component.
    await page.evaluate(`(() => { const f = document.createElement('iframe'); f.src = ${JSON.stringify(`${demo.foreignUrl}/chart?embedded=1`)}; f.id = 'foreign'; document.body.append(f); })()`);
    const foreign = await eventually('the foreign frame', async () => page.frames().find((f) => f.url().startsWith(`${demo.foreignUrl}/chart`)));
    await foreign.locator('#reload').click();
    await page.waitForFunction(`window.__seen.length === 1`);
    // A window the component opened that went on to another origin.
    const [popup] = await Promise.all([context.waitForEvent('page'), choose('client', 'Open client in CRM')]);
    await popup.locator('#reload').waitFor();
    // Navigated by the page itself (as a link would), so it stays the component's opened window.
    await Promise.all([popup.waitForURL(`${demo.foreignUrl}/crm/client?navigated=1`), popup.evaluate(`location.href = ${JSON.stringify(`${demo.foreignUrl}/crm/client?navigated=1`)}`)]);
    assert.equal(await popup.evaluate('window.opener !== null'), true, 'it can still post to the host page');
    await popup.locator('#reload').click();
    await page.waitForFunction(`window.__seen.length === 2`);
    // The component's listener ran before the recorder for both messages, and did nothing.
    assert.deepEqual(await page.evaluate('window.__seen'), [`${foreignOrigin} reload`, `${foreignOrigin} reload`]);
    assert.equal(await page.evaluate('window.__reloads'), 0);
    assert.equal(await page.evaluate('window.__marker'), 'still here');
    await popup.close();
  });
});
