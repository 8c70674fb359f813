// <hookline-integrations> against hostile text, in a real Chromium (Debian's chromium via
// playwright-core), on a host page that has a strict Content-Security-Policy: integration
// names, the dropdown's label, notices and a target's framing refusal all carry markup
// that would run script if any of it were parsed as HTML. Nothing runs, nothing is
// parsed, every text is shown as written, and the page's CSP reports no violation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import { freePort } from '@hookline/local-stack';
import { ApiClient, createAccount, login, startReceiver, startTestStack, type Reply, type TestReceiver, type TestStack } from '@hookline/testing';
import { launchChromium } from './chromium';

/** The little of the page's globals the tests read (this file is checked against Node's library, not the DOM's). */
interface Browser {
  customElements: { get(name: string): unknown };
  document: { querySelectorAll(s: string): Iterable<{ shadowRoot: { querySelectorAll(s: string): { length: number } } }> & ArrayLike<{ shadowRoot: { querySelectorAll(s: string): { length: number } } }> };
  __xss?: unknown;
  __violations?: string[];
}
const T = 'xss-clinic';
const EVIL = (tag: string) => `<img src=x onerror="window.__xss=(window.__xss||[]).concat('${tag}')"><script>window.__xss=['${tag}-script']</script>`;

describe('<hookline-integrations> with hostile text, under a strict CSP', () => {
  let stack: TestStack;
  let receiver: TestReceiver;
  let admin: ApiClient;
  let token = '';
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let host: Server | undefined;
  let HOST = '';

  before(async () => {
    // The host page on loopback, as the API is: Chromium's Private Network Access keeps a
    // page of a public origin from calling loopback.
    const hostPort = await freePort();
    HOST = `http://127.0.0.1:${hostPort}`;
    stack = await startTestStack({ env: { HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128', HOOKLINE_EGRESS_DEADLINE: '2s', HOOKLINE_CORS_ORIGINS: HOST } });
    receiver = await startReceiver(async (req): Promise<Reply> => {
      if (req.url.startsWith('/fail')) return { status: 500, body: 'down' };
      // A framing refusal whose CSP carries markup: the reason repeats it.
      return { status: 200, headers: { 'content-security-policy': `frame-ancestors https://a.example/<img/src=x/onerror=window.__xss=1>` }, body: 'ok' };
    });
    assert.equal((await stack.operator.post('/v1/tenants', { id: T, name: 'XSS clinic' })).status, 201);
    const account = await createAccount(stack.operator, { tenant: T, name: 'xss-admin', grants: [{ actions: ['integrations:write', 'integrations:use'], units: '*' }] });
    const session = await login(stack.anonymous, account);
    admin = session.client;
    token = admin.token ?? '';
    const create = async (body: Record<string, unknown>) => {
      const res = await admin.post('/v1/integrations', { action: 'background', method: 'GET', parameterName: 'id', ...body });
      assert.equal(res.status, 201, res.text);
    };
    await create({ name: EVIL('client'), page: 'client', url: `${receiver.url}/fail` });
    await create({ name: EVIL('patient-1'), page: 'patient', url: `${receiver.url}/ok` });
    await create({ name: EVIL('patient-2'), page: 'patient', action: 'side_panel', url: `${receiver.url}/panel` });

    ({ profile, context, page } = await launchChromium());
    const csp = `default-src 'none'; script-src ${stack.url}; connect-src ${stack.url}; frame-src ${receiver.url}; form-action ${receiver.url}; style-src 'none'`;
    const html = `<!doctype html><html><head><title>host</title></head><body>
      <div hidden id="other-tab"><hookline-integrations id="hidden" page="client" object-id="9" api="${stack.url}"></hookline-integrations></div>
      <hookline-integrations id="client" page="client" object-id="1" api="${stack.url}"></hookline-integrations>
      <hookline-integrations id="patient" page="patient" object-id="2" api="${stack.url}"></hookline-integrations>
      <script type="module" src="${stack.url}/integration-buttons/hookline-integrations.js"></script>
    </body></html>`;
    host = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': csp }).end(html));
    await new Promise<void>((r) => host?.listen(hostPort, '127.0.0.1', r));
    await page.addInitScript(`window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));`);
    await page.goto(`${HOST}/`);
    // The token is a property the host sets (an attribute would do as well).
    // Functions, not strings: a string would be eval()ed in the page, which its CSP forbids.
    await page.waitForFunction(() => (globalThis as unknown as Browser).customElements.get('hookline-integrations') !== undefined);
    await page.evaluate(
      ([t, label]) => {
        for (const el of (globalThis as unknown as Browser).document.querySelectorAll('hookline-integrations')) Object.assign(el, { token: t, label });
      },
      [token, EVIL('label')],
    );
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await new Promise((r) => (host ? host.close(r) : r(undefined)));
    await receiver?.close();
    await stack?.stop();
  });

  const shadowImages = () => page.evaluate(() => [...(globalThis as unknown as Browser).document.querySelectorAll('hookline-integrations')].reduce((n, el) => n + el.shadowRoot.querySelectorAll('img, script').length, 0));
  const injected = () => page.evaluate(() => (globalThis as unknown as Browser).__xss);

  it('works under the host page CSP: styled, and no violation reported (before any click: hover is another colour)', async () => {
    const bg = await page.locator('#client button.hl').evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor);
    assert.equal(bg, 'rgb(139, 90, 43)', "the seed's brown, with style-src 'none' on the page");
    assert.deepEqual(await page.evaluate(() => (globalThis as unknown as Browser).__violations), []);
  });

  it('names and the label are text: shown as written, never parsed', async () => {
    const single = page.locator('#client button.hl');
    await single.waitFor();
    assert.equal(await single.textContent(), EVIL('client'));
    const dropdown = page.locator('#patient button.hl');
    assert.match((await dropdown.textContent()) ?? '', /^\s*<img src=x onerror=/);
    await dropdown.click();
    assert.deepEqual(await page.locator('#patient').getByRole('menuitem').allTextContents(), [EVIL('patient-1'), EVIL('patient-2')]);
    assert.equal(await shadowImages(), 0);
    assert.equal(await injected(), undefined);
  });

  it('notices and a framing refusal are text too', async () => {
    await page.locator('#client button.hl').click();
    await page.locator('hookline-integrations .notice.info').filter({ hasText: `${EVIL('client')}: integration request scheduled` }).waitFor();
    await page.locator('hookline-integrations .notice.error').filter({ hasText: 'Integration request failed (Integration error)' }).waitFor();
    await page.locator('#patient button.hl').click();
    await page.locator('#patient').getByRole('menuitem', { name: EVIL('patient-2') }).click();
    const refused = page.locator('#patient aside.panel .refused');
    await refused.waitFor();
    assert.match((await refused.textContent()) ?? '', /<img\/src=x\/onerror=window.__xss=1>/);
    assert.equal(await page.locator('#patient aside.panel header span').textContent(), EVIL('patient-2'));
    assert.equal(await shadowImages(), 0);
    assert.equal(await injected(), undefined);
    await page.keyboard.press('Escape');
  });

  it('notices show when the first component on the page is in a hidden part of it (another tab)', async () => {
    const visible = page.locator('#client .notice, #patient .notice');
    await page.locator('#client button.hl').click();
    await visible.filter({ hasText: 'Integration request failed (Integration error)' }).first().waitFor({ state: 'visible' });
    assert.ok((await visible.count()) > 0, 'the stack is drawn by a component that is shown');
    assert.equal(await page.locator('#hidden .notice').count(), 0, 'not by the hidden one');
  });
});
