// The admin console (services/console) in a real Chromium (Debian's chromium, driven by
// playwright-core; no browser download), built as `npm start` builds it and served through
// the stack's gateway at /console/, against the whole platform and a loopback receiver:
// sign-in both ways, an account's credentials with the TOTP secret as a QR code (decoded
// here and used to sign in), a receiver created (its secret rotated with an overlap, soft
// deleted and restored), an event delivered, watched, opened and
// resent, a push flag set on a unit with its effective value, an API validation error at
// its field, what an account may not do not offered, and every screen opening without a
// console error. HOOKLINE_SCREENSHOT_DIR=<dir> saves the main screens there
// (npm run screenshots:console writes docs/console/).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import jsQR from 'jsqr';
import type { BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT } from '@hookline/local-stack';
import { codeSource, eventually, startReceiver, startTestStack, type TestReceiver, type TestStack } from '@hookline/testing';
import { launchChromium } from './chromium';

const TENANT = 'acme';
const screenshotDir = process.env.HOOKLINE_SCREENSHOT_DIR;

describe('the admin console in Chromium', () => {
  let stack: TestStack;
  let receiver: TestReceiver;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let listenerId: string;
  let integrationId: string;
  /** Console errors and uncaught exceptions, with the screen they happened on. */
  const problems: string[] = [];
  const shot = async (name: string) => {
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, name) });
  };
  const base = () => `${stack.url}/console/`;

  async function signInAsOperator(): Promise<void> {
    await page.goto(base());
    await page.getByRole('tab', { name: 'Operator token' }).click();
    await page.getByRole('textbox', { name: 'Operator token' }).fill(stack.operatorToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as the operator').waitFor();
  }
  async function chooseTenant(id: string): Promise<void> {
    await page.getByRole('combobox', { name: 'Tenant' }).click();
    await page.getByRole('option', { name: new RegExp(`\\(${id}\\)`) }).click();
    await page.getByText(`working in tenant ${id}`).waitFor();
  }
  async function signOut(): Promise<void> {
    await page.getByRole('button', { name: 'Profile' }).click();
    await page.getByRole('menuitem', { name: 'Logout' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  }
  /** Opens a screen by its hash route and waits until react-admin has loaded it. */
  async function open(route: string): Promise<void> {
    // Through the dashboard, so that opening the screen already shown starts it afresh (a new form).
    if (page.url().endsWith(`#${route}`)) await page.goto(`${base()}#/`);
    await page.goto(`${base()}#${route}`);
    await page.waitForLoadState('networkidle');
  }
  /** The pixels of a screenshot (PNG), decoded by Chromium on a blank page of its own. */
  async function decodeQr(png: Buffer): Promise<string | undefined> {
    const blank = await context.newPage();
    try {
      const pixels = await blank.evaluate(async (b64) => {
        const doc = (globalThis as any).document;
        const img = doc.createElement('img');
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = doc.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const data = ctx.getImageData(0, 0, img.width, img.height);
        return { width: data.width, height: data.height, data: Array.from(data.data as Uint8ClampedArray) };
      }, png.toString('base64'));
      return jsQR(Uint8ClampedArray.from(pixels.data), pixels.width, pixels.height)?.data;
    } finally {
      await blank.close();
    }
  }

  before(async () => {
    // As npm start does: build the console when missing or made from other sources.
    const built = spawnSync(process.execPath, ['services/console/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
    assert.equal(built.status, 0, 'the console builds');
    stack = await startTestStack({ env: { HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128', HOOKLINE_EGRESS_DEADLINE: '2s' } });
    receiver = await startReceiver();
    // A tenant with a unit tree, a topic, a push type, and the account receivers deliver to.
    const op = stack.operator;
    assert.equal((await op.post('/v1/tenants', { id: TENANT, name: 'Acme Care' })).status, 201);
    assert.equal((await op.post('/v1/tenants', { id: 'globex', name: 'Globex' })).status, 201);
    assert.equal((await op.post('/v1/units', { tenant: TENANT, id: 'north', name: 'North' })).status, 201);
    assert.equal((await op.post('/v1/units', { tenant: TENANT, id: 'oslo', name: 'Oslo', parentId: 'north' })).status, 201);
    assert.equal((await op.post('/v1/users', { tenant: TENANT, id: 'bob', displayName: 'Bob Builder', units: ['oslo'] })).status, 201);
    assert.equal((await op.post('/v1/topics', { tenant: TENANT, name: 'Orders.Paid', description: 'An order was paid' })).status, 201);
    assert.equal((await op.post('/v1/push/types', { tenant: TENANT, type: 'appointment.booked', topic: 'Appointments.Booked' })).status, 201);
    const service = await op.post('/v1/listener-services', { tenant: TENANT, name: 'CRM' });
    assert.equal(service.status, 201, service.text);
    const listener = await op.post('/v1/listeners', { tenant: TENANT, serviceId: service.body.id, name: 'contacts' });
    assert.equal(listener.status, 201, listener.text);
    listenerId = listener.body.listener.id;
    const integration = await op.post('/v1/integrations', { tenant: TENANT, name: 'Sync client', page: 'client', action: 'background', method: 'GET', url: `${receiver.url}/crm/client/`, parameterName: 'id=client_' });
    assert.equal(integration.status, 201, integration.text);
    integrationId = integration.body.id;
    assert.equal((await op.post('/v1/accounts', { tenant: TENANT, name: 'crm-receiver', grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] })).status, 201);

    if (screenshotDir) mkdirSync(screenshotDir, { recursive: true });
    ({ profile, context, page } = await launchChromium({ width: 1440, height: 900 }));
    // Waits, not speed checks: a loaded machine may take a while to render a screen.
    context.setDefaultTimeout(30_000);
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${page.url()}: uncaught ${e.message}`));
    // Nothing may leave the platform's origin (no CDN, no fonts, no telemetry).
    await context.route((url) => !url.href.startsWith(stack.url) && url.protocol.startsWith('http'), (route) => {
      problems.push(`request outside the platform: ${route.request().url()}`);
      return route.abort();
    });
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await receiver?.close();
    await stack?.stop();
  });

  it('is served under /console with its own content security policy, from the platform alone', async () => {
    const bare = await fetch(`${stack.url}/console`, { redirect: 'manual' });
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.get('location'), '/console/');
    const index = await fetch(base());
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'.*connect-src 'self'.*frame-ancestors 'none'/);
    const html = await index.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, html);
    const asset = await fetch(stack.url + script);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    await asset.arrayBuffer();
    for (const missing of ['/console/assets/nope.js', '/console/..%2Fpackage.json', '/console/.env']) {
      const r = await fetch(stack.url + missing);
      assert.equal(r.status, 404, missing);
      assert.match(r.headers.get('content-type') ?? '', /problem\+json/);
    }
  });

  it('the operator signs in with the token, switches tenant, and every screen opens without a console error', async () => {
    await signInAsOperator();
    await chooseTenant(TENANT);
    await shot('console-dashboard.png');
    const screens: [string, string][] = [
      ['/tenants', 'Acme Care'],
      ['/units', 'Oslo'],
      ['/users', 'Bob Builder'],
      ['/accounts', 'crm-receiver'],
      ['/topics', 'Orders.Paid'],
      ['/receivers', 'Receivers'],
      ['/deliveries', 'Delivery log'],
      ['/push-types', 'appointment.booked'],
      ['/push-settings', 'Notification server'],
      ['/integrations', 'Integrations'],
      ['/integration-log', 'Integration log'],
      ['/templates', 'Catalogue'],
      ['/installations', 'Installations'],
      ['/listener-services', 'Listener services'],
      ['/listeners', 'Listeners'],
      ['/listener-logs', 'Listener logs'],
      ['/audit-changes', 'Changes'],
      ['/audit-events', 'Events'],
      ['/accounts/create', 'Grants'],
      ['/receivers/create', 'Protocol'],
      ['/integrations/create', 'Payload preview'],
      ['/listeners/create', 'Authorization'],
      ['/templates/create', 'Notify by'],
      ['/push-types/appointment.booked/show', 'Unit flags'],
      [`/integrations/${integrationId}/show`, 'client_123'],
      [`/listeners/${listenerId}/show`, '/hooks/'],
      [`/listeners/${listenerId}/show/tables`, 'Generate Tables from a sample'],
      [`/listeners/${listenerId}/show/records`, 'Show records'],
      [`/listeners/${listenerId}/show/log`, 'Show log'],
    ];
    for (const [route, text] of screens) {
      await open(route);
      await page.getByText(text, { exact: false }).first().waitFor();
      assert.equal(await page.getByText('Something went wrong').count(), 0, `${route} renders`);
    }
    await open('/units');
    await shot('console-units.png');
    await open('/audit-changes');
    await page.getByRole('row').nth(1).waitFor();
    await shot('console-audit-changes.png');
    assert.deepEqual(problems, [], 'no console errors, no uncaught exceptions, nothing fetched from elsewhere');
    // The switcher: another tenant shows its own (empty) data.
    await chooseTenant('globex');
    await open('/units');
    await page.getByText('No Units yet', { exact: false }).or(page.getByText('No results', { exact: false })).first().waitFor();
    await chooseTenant(TENANT);
  });

  it("the API's validation error is shown at its field", async () => {
    await open('/receivers/create');
    await page.getByLabel('Name', { exact: false }).first().fill('Nowhere');
    await page.getByLabel('URL', { exact: false }).first().fill(receiver.url + '/in');
    const topics = page.getByLabel('Topics', { exact: false });
    await topics.fill('Nope.Topic');
    await page.getByRole('option', { name: 'Use the pattern Nope.Topic' }).click();
    await page.getByLabel('Receiving account', { exact: false }).fill('crm');
    await page.getByRole('option', { name: 'crm-receiver' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    // The API (not the form) knows the catalogue: its problem+json names `topics`.
    const topicsInput = page.getByRole('combobox', { name: 'Topics' });
    await eventually('the error at the topics field', async () => (await topicsInput.getAttribute('aria-invalid')) === 'true');
    const describedBy = (await topicsInput.getAttribute('aria-describedby')) ?? '';
    assert.match((await page.locator(`[id="${describedBy}"]`).textContent()) ?? '', /Nope\.Topic is not in the tenant's topic catalogue/);
    await shot('console-validation-error.png');
  });

  it('a receiver is created (secret shown once), an event is delivered, watched, opened and resent', async () => {
    problems.length = 0;
    await open('/receivers/create');
    await page.getByLabel('Name', { exact: false }).first().fill('CRM');
    await page.getByLabel('URL', { exact: false }).first().fill(receiver.url + '/in');
    await page.getByLabel('Topics', { exact: false }).fill('Orders');
    await page.getByRole('option', { name: 'Orders.Paid' }).click();
    await page.getByLabel('Receiving account', { exact: false }).fill('crm');
    await page.getByRole('option', { name: 'crm-receiver' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    const dialog = page.getByRole('dialog', { name: "The receiver's signing secret" });
    await dialog.waitFor();
    const secret = await dialog.getByRole('textbox', { name: 'Signing secret' }).inputValue();
    assert.match(secret, /^[A-Za-z0-9_-]{32,}$/);
    await dialog.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('tab', { name: 'Deliveries' }).click();
    await page.getByText('No deliveries yet').waitFor();

    // An event from the host application: the open page shows its delivery without a reload.
    const ev = await stack.operator.post('/v1/events', { tenant: TENANT, topic: 'Orders.Paid', object: { type: 'order', id: 'C-1', unit: 'oslo' }, data: { total: 12 } });
    assert.equal(ev.status, 202);
    const row = page.getByRole('row').filter({ hasText: 'Orders.Paid' }).filter({ hasText: 'succeeded' });
    await row.waitFor({ timeout: 30_000 });
    await page.getByTestId('delivery-chart').waitFor();
    await shot('console-receiver-deliveries.png');
    assert.equal(receiver.requests.length, 1);

    await row.click();
    await page.getByRole('article', { name: 'Attempt 1' }).waitFor();
    assert.match((await page.getByLabel('Request body').textContent()) ?? '', /"C-1"/);
    await page.getByRole('button', { name: 'Resend' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('article', { name: 'Attempt 2' }).getByText('(resend)').waitFor({ timeout: 30_000 });
    await eventually('the resend reached the receiver', async () => receiver.requests.length === 2);
    assert.equal(receiver.requests[1].headers['webhook-id'] ?? receiver.requests[1].headers['hookline-delivery-id'], receiver.requests[0].headers['webhook-id'] ?? receiver.requests[0].headers['hookline-delivery-id'], 'the same delivery id');
    await shot('console-delivery.png');

    // Rotation with an overlap: the new secret shown once; then a soft delete and a restore, each confirmed.
    await open('/receivers');
    await page.getByRole('row').filter({ hasText: 'CRM' }).click();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('spinbutton', { name: 'Overlap (seconds)' }).fill('3600');
    await page.getByRole('button', { name: 'Rotate', exact: true }).click();
    const rotated = page.getByRole('dialog', { name: 'The new signing secret' });
    const newSecret = await rotated.getByRole('textbox', { name: 'Signing secret' }).inputValue();
    assert.notEqual(newSecret, secret);
    await rotated.getByText('The previous secret keeps signing until').waitFor();
    await rotated.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('button', { name: 'Restore' }).waitFor();
    const deleted = await stack.operator.get(`/v1/receivers?tenant=${TENANT}&deleted=true`);
    assert.deepEqual(deleted.body.data.map((r: { name: string }) => r.name), ['CRM']);
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('button', { name: 'Delete' }).waitFor();
    assert.equal((await stack.operator.get(`/v1/receivers?tenant=${TENANT}&deleted=true`)).body.data.length, 0);

    await open('/deliveries');
    await page.getByRole('row').filter({ hasText: 'CRM' }).first().waitFor();
    await shot('console-delivery-log.png');
    // Bulk resend is counted first (dry run) and needs a confirmation.
    await page.getByRole('button', { name: 'Resend matching…' }).click();
    await page.getByRole('status').filter({ hasText: '1 deliveries would be sent again' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    assert.deepEqual(problems, []);
  });

  it('Generate Tables: a pasted sample becomes a proposed structure, reviewed and accepted', async () => {
    await open(`/listeners/${listenerId}/show/tables`);
    await page.getByText('No tables yet').waitFor();
    await page.getByRole('textbox', { name: 'Sample payload (JSON)' }).fill('{"data":{"items":[{"id":7,"name":"Ada","phones":[{"kind":"work","number":"+47 1234"}]}]}}');
    await page.getByRole('textbox', { name: 'Records at (root path)' }).fill('data.items');
    await page.getByRole('button', { name: 'Propose tables' }).click();
    await page.getByRole('table', { name: 'Columns of contacts_phones' }).waitFor();
    await shot('console-generate-tables.png');
    await page.getByRole('button', { name: 'Accept and create the tables' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Tables created').waitFor();
    const l = await stack.operator.get(`/v1/listeners/${listenerId}?tenant=${TENANT}`);
    assert.deepEqual(l.body.structure.tables.map((t: { name: string }) => t.name), ['contacts', 'contacts_phones']);
  });

  it('a push flag set on a unit shows its effective value and where it comes from', async () => {
    await open('/push-types/appointment.booked/show');
    await page.getByRole('combobox', { name: 'Unit' }).click();
    await page.getByRole('option', { name: 'North › Oslo' }).or(page.getByRole('option', { name: 'north › oslo' })).click();
    await page.getByRole('button', { name: 'Show effective value' }).click();
    await page.getByTestId('effective-flag').filter({ hasText: 'At unit oslo: off, from nothing set (off)' }).waitFor();
    await page.getByRole('button', { name: "Set the unit's flag" }).click();
    await page.getByTestId('effective-flag').filter({ hasText: "At unit oslo: on, from unit oslo's own flag" }).waitFor();
    await page.getByRole('table', { name: 'Unit flags' }).getByRole('row').filter({ hasText: 'oslo' }).waitFor();
    await shot('console-push-flags.png');
    const api = await stack.operator.get(`/v1/push/types/appointment.booked/enabled?tenant=${TENANT}&unit=oslo`);
    assert.deepEqual(api.body, { type: 'appointment.booked', unit: 'oslo', enabled: true, source: { kind: 'unit', unit: 'oslo', inherited: false } });
  });

  it("an account is created with its TOTP secret as a QR code; it signs in with it and is not offered what it may not do", async () => {
    problems.length = 0;
    await open('/accounts/create');
    await page.getByLabel('Name', { exact: false }).first().fill('auditor');
    await page.getByRole('button', { name: 'Add' }).click();
    for (const a of ['receivers:read', 'logs:read', 'units:read', 'accounts:read', 'push:read']) await page.getByRole('checkbox', { name: a, exact: true }).check();
    const created = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/v1/accounts'));
    await page.getByRole('button', { name: 'Save' }).click();
    const answer = (await (await created).json()) as { credentials: { totp: { otpauthUri: string } } };
    const dialog = page.getByRole('dialog', { name: 'Credentials of auditor' });
    await dialog.waitFor();
    const accountId = await dialog.getByRole('textbox', { name: 'Account id' }).inputValue();
    const token = await dialog.getByRole('textbox', { name: 'API token' }).inputValue();
    const shownSecret = await dialog.getByRole('textbox', { name: 'TOTP secret' }).inputValue();
    await shot('console-account-credentials.png');
    const uri = await decodeQr(await dialog.getByRole('img', { name: /QR code/ }).screenshot());
    assert.ok(uri, 'the QR code decodes');
    assert.equal(uri, answer.credentials.totp.otpauthUri, 'the QR code is the otpauth URI the API handed out');
    const otp = new URL(uri);
    assert.equal(otp.protocol, 'otpauth:');
    assert.equal(otp.host, 'totp');
    assert.equal(decodeURIComponent(otp.pathname), `/Hookline:${TENANT}/auditor`);
    assert.equal(otp.searchParams.get('secret'), shownSecret, 'the QR code carries the secret shown beside it');
    await dialog.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByText('Credentials issued').waitFor();

    // Sign in as it, with a code computed from the QR code's secret.
    await signOut();
    const nextCode = codeSource(otp.searchParams.get('secret') as string);
    await page.getByLabel('Account id').fill(accountId);
    await page.getByLabel('API token').fill(token);
    await page.getByLabel('TOTP code').fill(await nextCode());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as auditor').waitFor();
    // Only the short-lived access token is kept.
    const stored = await page.evaluate(() => JSON.stringify((globalThis as any).sessionStorage));
    assert.ok(!stored.includes(token), 'the API token is not kept');
    assert.match(stored, /eyJ/, 'the access token is');

    await open('/receivers');
    await page.getByRole('row').filter({ hasText: 'CRM' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Create' }).count(), 0, 'no create button without receivers:write');
    await page.getByRole('row').filter({ hasText: 'CRM' }).click();
    await page.getByText('Receiving account').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Delete' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Edit' }).count(), 0);
    // Screens its grants do not cover are not in the menu.
    assert.equal(await page.getByRole('menuitem', { name: 'Users' }).count(), 0);
    assert.equal(await page.getByRole('menuitem', { name: 'Tenants' }).count(), 0);
    await page.getByRole('menuitem', { name: 'Delivery log' }).waitFor();
    await open('/deliveries');
    await page.getByRole('row').filter({ hasText: 'CRM' }).first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Resend matching…' }).count(), 0);
    await signOut();
    assert.deepEqual(problems, []);
  });
});
