// App installations under hostile or unusual input, over real HTTP: what a template may
// hold (redirect URIs the provider would refuse, e-mail addresses that would reach other
// mailboxes), the authorization-code flow when the app asks for consent and a refresh
// token, a refresh token of a user the tenant has since deleted, and the hand-over page
// when the path names one interaction and the browser's cookie another.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { CookieJar, assertProblem, eventually, startReceiver, startTestStack, type TestReceiver, type TestStack } from '@hookline/testing';

const TENANT = 'clinic';
const OTHER = 'rival';

interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

const claimsOf = (jwt: unknown) => JSON.parse(Buffer.from(String(jwt).split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

describe('app installations: hostile input', () => {
  let stack: TestStack;
  let hookups: TestReceiver;
  let callback: string;
  const apps: Record<string, string> = {};

  before(async () => {
    hookups = await startReceiver(() => ({ status: 200 }));
    callback = `${hookups.url}/cb`;
    stack = await startTestStack({ env: { HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128' } });
    const op = stack.operator;
    for (const t of [TENANT, OTHER]) {
      assert.equal((await op.post('/v1/tenants', { id: t, name: t })).status, 201);
      assert.equal((await op.post('/v1/units', { tenant: t, id: 'north', name: 'North' })).status, 201);
      assert.equal((await op.post('/v1/users', { tenant: t, id: 'ada', displayName: 'Ada', units: ['north'] })).status, 201);
    }
    const portal = await op.post('/v1/templates', {
      name: 'Portal',
      channel: { kind: 'hookup-url', url: `${hookups.url}/portal` },
      oauth: { grantType: 'authorization_code', clientType: 'public', redirectUris: [callback], algorithm: 'RS256', scopes: ['openid', 'offline_access', 'appointments:read'] },
    });
    assert.equal(portal.status, 201, portal.text);
    for (const t of [TENANT, OTHER]) {
      const res = await op.post('/v1/installations', { tenant: t, templateId: portal.body.template.id, departments: ['north'] });
      assert.equal(res.status, 201, res.text);
      apps[t] = res.body.installation.id;
    }
  });

  after(async () => {
    await hookups?.close();
    await stack?.stop();
  });

  /** A browser that keeps cookies and follows no redirect by itself. */
  function browser() {
    const jar = new CookieJar();
    return async (url: string): Promise<Response> => {
      const res = await fetch(new URL(url, stack.url).href, { redirect: 'manual', headers: { cookie: jar.header() } });
      jar.take(res);
      return res;
    };
  }

  /** Starts an authorization in the browser: the provider's interaction page it lands on. */
  async function start(go: (url: string) => Promise<Response>, clientId: string, extra: Record<string, string> = {}) {
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({
      client_id: clientId,
      redirect_uri: callback,
      response_type: 'code',
      scope: 'openid appointments:read',
      state: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...extra,
    });
    const res = await go(`/oidc/auth?${q}`);
    const interactionUrl = res.headers.get('location') ?? '';
    assert.match(interactionUrl, /\/oidc\/interaction\//, `the provider asks for a person: ${res.status} ${await res.text()}`);
    return { verifier, interactionUrl, uid: interactionUrl.split('/').pop() ?? '' };
  }

  /** The host vouches for its user; the browser follows on until it is back at the app (or elsewhere). */
  async function vouchAndFollow(go: (url: string) => Promise<Response>, uid: string, tenant: string, user: string): Promise<string> {
    const v = await stack.operator.post('/v1/sign-ins', { interaction: uid, tenant, user });
    assert.equal(v.status, 200, v.text);
    let to = String(v.body.redirectTo);
    for (let hops = 0; hops < 10; hops++) {
      const location = (await go(to)).headers.get('location');
      if (!location) break;
      to = new URL(location, stack.url).href;
      if (to.startsWith(callback) || to.includes('/local/sign-in')) break;
    }
    return to;
  }

  async function token(form: Record<string, string>): Promise<TokenAnswer> {
    const res = await fetch(`${stack.url}/oidc/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('a redirect URI with a fragment is a 400 naming oauth.redirectUris, not an installation whose every authorization fails', async () => {
    const res = await stack.operator.post('/v1/templates', {
      name: 'Fragment',
      channel: { kind: 'hookup-url', url: `${hookups.url}/fragment` },
      oauth: { grantType: 'authorization_code', clientType: 'public', redirectUris: [`${callback}#done`], algorithm: 'RS256', scopes: ['openid'] },
    });
    assertProblem(res, 400, 'oauth.redirectUris');
    const existing = (await stack.operator.get('/v1/templates')).body.data.find((t: { name: string }) => t.name === 'Portal');
    assertProblem(await stack.operator.patch(`/v1/templates/${existing.id}`, { oauth: { grantType: 'authorization_code', clientType: 'public', redirectUris: [`${callback}#x`], algorithm: 'RS256' } }), 400, 'oauth.redirectUris');
  });

  it('an e-mail address that would reach another mailbox, several, or none is a 400 naming channel.address', async () => {
    const oauth = { grantType: 'client_credentials', clientType: 'confidential' };
    // class-validator's isEmail takes each of these; the mailto: URL is percent-decoded and
    // nodemailer splits at commas and folds quoted line breaks, so they went to
    // x@evil.example and y@example.com, to ab@example.com, or failed at every attempt.
    for (const address of ['x%40evil.example%2Cy@example.com', '"a\r\nb"@example.com', 'a%zz@example.com', 'a?b@example.com']) {
      assertProblem(await stack.operator.post('/v1/templates', { name: 'Mail', channel: { kind: 'email', address }, oauth }), 400, 'channel.address');
    }
    const ok = await stack.operator.post('/v1/templates', { name: 'Mail', channel: { kind: 'email', address: "o'neil+hookline@lab.example" }, oauth });
    assert.equal(ok.status, 201, ok.text);
    assertProblem(await stack.operator.patch(`/v1/templates/${ok.body.template.id}`, { channel: { kind: 'email', address: 'x%40evil.example%2Cy@example.com' } }), 400, 'channel.address');
  });

  it('prompt=consent (how an app asks for offline_access) ends at the app with a code and a refresh token, not back at the sign-in page', async () => {
    const go = browser();
    const { verifier, uid } = await start(go, apps[TENANT], { scope: 'openid offline_access appointments:read', prompt: 'consent' });
    const back = await vouchAndFollow(go, uid, TENANT, 'ada');
    assert.ok(back.startsWith(callback), `back at the app: ${back}`);
    const code = new URL(back).searchParams.get('code') ?? '';
    const tokens = await token({ grant_type: 'authorization_code', code, redirect_uri: callback, client_id: apps[TENANT], code_verifier: verifier });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(typeof tokens.body.refresh_token, 'string', 'offline_access gives a refresh token');
    assert.equal(claimsOf(tokens.body.access_token).sub, 'ada');
    // The code is single-use.
    assert.equal((await token({ grant_type: 'authorization_code', code, redirect_uri: callback, client_id: apps[TENANT], code_verifier: verifier })).body.error, 'invalid_grant');
  });

  it("a refresh token of a user the tenant has deleted is refused; until then it works and is bound to its client", async () => {
    assert.equal((await stack.operator.post('/v1/users', { tenant: TENANT, id: 'cy', displayName: 'Cy', units: ['north'] })).status, 201);
    const go = browser();
    const { verifier, uid } = await start(go, apps[TENANT], { scope: 'openid offline_access appointments:read', prompt: 'consent' });
    const back = await vouchAndFollow(go, uid, TENANT, 'cy');
    const code = new URL(back).searchParams.get('code') ?? '';
    const tokens = await token({ grant_type: 'authorization_code', code, redirect_uri: callback, client_id: apps[TENANT], code_verifier: verifier });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const refresh = String(tokens.body.refresh_token);
    // Another tenant's app cannot use it.
    assert.equal((await token({ grant_type: 'refresh_token', refresh_token: refresh, client_id: apps[OTHER] })).body.error, 'invalid_grant');
    const renewed = await token({ grant_type: 'refresh_token', refresh_token: refresh, client_id: apps[TENANT] });
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
    assert.equal(claimsOf(renewed.body.access_token).sub, 'cy');

    assert.equal((await stack.operator.delete(`/v1/users/cy?tenant=${TENANT}`)).status, 204);
    const after = await token({ grant_type: 'refresh_token', refresh_token: String(renewed.body.refresh_token ?? refresh), client_id: apps[TENANT] });
    assert.equal(after.status, 400, `no token for a deleted user: ${JSON.stringify(after.body)}`);
    assert.equal(after.body.error, 'invalid_grant');
  });

  it("the hand-over page answers 404 when the path names another interaction than the browser's cookie", async () => {
    const go = browser();
    // The rival's authorization first, then the clinic's in the same browser: the cookie is now the clinic's.
    const rival = await start(go, apps[OTHER]);
    const clinic = await start(go, apps[TENANT]);
    const own = await go(clinic.interactionUrl);
    assert.equal(own.status, 303);
    const signIn = new URL(own.headers.get('location') ?? '');
    assert.equal(signIn.searchParams.get('interaction'), clinic.uid);
    assert.equal(signIn.searchParams.get('tenant'), TENANT);
    // Before: 303 to the sign-in page with interaction=<rival's> and tenant=clinic.
    const mixed = await go(rival.interactionUrl);
    assert.equal(mixed.status, 404, `${mixed.status} ${mixed.headers.get('location') ?? ''}`);
  });

  it('holds: exact redirect URI, PKCE for a public client, tenant-bound vouching, no open redirect at logout, scopes only of the template', async () => {
    const go = browser();
    for (const redirect of ['https://evil.example/cb', `${callback}/../evil`, `${callback}?x=1`]) {
      const res = await go(`/oidc/auth?${new URLSearchParams({ client_id: apps[TENANT], redirect_uri: redirect, response_type: 'code', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`);
      assert.equal(res.status, 400, redirect);
      assert.equal(res.headers.get('location'), null);
    }
    const noPkce = await go(`/oidc/auth?${new URLSearchParams({ client_id: apps[TENANT], redirect_uri: callback, response_type: 'code', scope: 'openid', state: 's' })}`);
    assert.match(noPkce.headers.get('location') ?? '', /error=invalid_request/);
    const { uid } = await start(go, apps[OTHER]);
    assertProblem(await stack.operator.post('/v1/sign-ins', { interaction: uid, tenant: TENANT, user: 'ada' }), 404);
    const logout = await go(`/oidc/session/end?post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}&client_id=${apps[TENANT]}`);
    assert.equal(logout.status, 400);
    assert.equal(logout.headers.get('location'), null);

    const machine = await stack.operator.post('/v1/templates', {
      name: 'Machine',
      channel: { kind: 'hookup-url', url: `${hookups.url}/machine` },
      oauth: { grantType: 'client_credentials', clientType: 'confidential', scopes: ['appointments:read'] },
    });
    const installed = await stack.operator.post('/v1/installations', { tenant: TENANT, templateId: machine.body.template.id });
    const id = installed.body.installation.id as string;
    const hookup = await eventually('the machine hookup', async () => hookups.requests.map((r) => JSON.parse(r.body) as { client_id: string; client_secret: string }).find((m) => m.client_id === id));
    const res = await fetch(`${stack.url}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${id}:${hookup.client_secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials&scope=admin%20appointments%3Aread',
    });
    const body = (await res.json()) as Record<string, unknown>;
    if (res.status === 200) assert.equal(claimsOf(body.access_token).scope, 'appointments:read', 'a scope the template does not name is not granted');
    else assert.equal(body.error, 'invalid_scope');
  });

  it('rotations at once all succeed, one after another, and the secret the provider got last is the one that works', async () => {
    const machine = await stack.operator.post('/v1/templates', {
      name: 'Rotor',
      channel: { kind: 'hookup-url', url: `${hookups.url}/rotor` },
      oauth: { grantType: 'client_credentials', clientType: 'confidential', scopes: ['appointments:read'] },
    });
    const installed = await stack.operator.post('/v1/installations', { tenant: TENANT, templateId: machine.body.template.id });
    assert.equal(installed.status, 201, installed.text);
    const id = installed.body.installation.id as string;
    // Before: some answered 503 "the signer could not store the secret (not-found)".
    const rotations = await Promise.all(Array.from({ length: 8 }, () => stack.operator.post(`/v1/installations/${id}/rotate-secret?tenant=${TENANT}`)));
    assert.deepEqual(rotations.map((r) => r.status), Array(8).fill(200), rotations.map((r) => r.text).join('\n'));
    assert.deepEqual(rotations.map((r) => r.body.installation.secretVersion as number).sort((a, b) => a - b), [2, 3, 4, 5, 6, 7, 8, 9]);
    const last = rotations.find((r) => r.body.installation.secretVersion === 9)?.body.notification.deliveryId as string;
    const message = await eventually('the last rotation\'s message', async () => hookups.requests.find((r) => r.url === '/rotor' && r.headers['webhook-id'] === last), 60_000);
    const secret = (JSON.parse(message.body) as { client_secret: string }).client_secret;
    const res = await fetch(`${stack.url}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    assert.equal(res.status, 200, await res.text());
  });

  it('introspection: a token that is not a string is a 400 naming token, as the OpenAPI document says, not {"active":false}', async () => {
    for (const token of [{ a: 1 }, 5, ['a', 'b']]) assertProblem(await stack.operator.post('/oidc/token/introspection', { token }), 400, 'token');
    const res = await stack.operator.post('/oidc/token/introspection', 'token=not-a-jwt', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { active: false });
  });
});
