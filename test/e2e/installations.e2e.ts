// App installations end to end (installation-hookup.txt): a template catalogue, installing
// creates an OAuth client in the platform's OpenID provider (oidc-provider) and notifies
// the integration provider at its hookup URL (a real HTTP receiver) or by e-mail (the
// local SMTP sink). What the message promises is checked with libraries that are not
// ours: ajv (draft 2020-12) against the seed's schema as written, standardwebhooks for the
// signature, openid-client for discovery, client credentials and the authorization-code
// flow with PKCE (through the demo host's sign-in page), jose for the JWKS. Departments,
// secret rotation, uninstall (tokens stop working at once), a receiver that is down
// (retried, same delivery id), and no secret in any log, dump, stream or delivery log.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { Webhook } from 'standardwebhooks';
import { CookieJar, ApiClient, createAccount, dumpDatabase, eventually, listAllDeliveries, login, pgDump, startReceiver, startTestStack, assertProblem, type ApiResponse, type ReceivedRequest, type TestReceiver, type TestStack } from '@hookline/testing';

const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
type OpenIdClient = typeof import('openid-client', { with: { 'resolution-mode': 'import' } });
type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });

const TENANT = 'clinic';
const AUDIENCE = 'urn:hookline:host-api';
const schema = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'installation-hookup.schema.json'), 'utf8')) as Record<string, unknown>;

interface Hookup {
  provet_id: number;
  client_id: string;
  client_secret: string | null;
  algorithm: string | null;
  authorization_grant_type: string;
  client_type: string;
  redirect_uris: string;
  token_url: string;
  authorize_url: string;
  openid_autodiscovery_url: string | null;
  departments: number[];
  added_department?: number;
  removed_department?: number;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((p) => statSync(p).isFile());
}

describe('app installations', () => {
  let stack: TestStack;
  let hookups: TestReceiver;
  let oidc: OpenIdClient;
  let joseLib: Jose;
  let validate: (data: unknown) => boolean;
  let validationErrors: () => unknown;
  /** Every secret the platform handed out (client secrets, template signing secrets, tokens): searched for where they must not be. */
  const secrets = new Map<string, string>();
  const units: Record<string, number> = {};
  let machineTemplate: { id: string; secret: string };
  let machine: { id: string; secret: string; deliveryId: string };
  /** Replies of the hookup receiver by path (default 200). */
  const replies = new Map<string, (r: ReceivedRequest) => number>();

  const messagesAt = (path: string) => hookups.requests.filter((r) => r.url === path);
  const parsed = (r: ReceivedRequest) => JSON.parse(r.body) as Hookup;

  function assertValid(m: unknown): void {
    assert.ok(validate(m), `the hookup message does not validate against the seed's schema: ${JSON.stringify(validationErrors())}\n${JSON.stringify(m)}`);
  }

  async function template(body: Record<string, unknown>): Promise<{ id: string; secret?: string; res: ApiResponse }> {
    const res = await stack.operator.post('/v1/templates', body);
    assert.equal(res.status, 201, res.text);
    if (res.body.secret) secrets.set(`signing secret of template ${res.body.template.name}`, res.body.secret);
    return { id: res.body.template.id, secret: res.body.secret, res };
  }

  async function install(templateId: string, departments: string[]): Promise<{ id: string; deliveryId: string; body: any }> {
    const res = await stack.operator.post('/v1/installations', { tenant: TENANT, templateId, departments });
    assert.equal(res.status, 201, res.text);
    return { id: res.body.installation.id, deliveryId: res.body.notification.deliveryId, body: res.body };
  }

  async function delivery(id: string): Promise<any> {
    const res = await stack.operator.get(`/v1/deliveries/${id}?tenant=${TENANT}`);
    assert.equal(res.status, 200, res.text);
    return res.body;
  }

  async function clientCredentials(m: Pick<Hookup, 'token_url' | 'client_id'>, secret: string) {
    const issuer = m.token_url.replace(/\/token$/, '');
    const config = await oidc.discovery(new URL(issuer), m.client_id, undefined, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'appointments:read' }).catch((err: { error?: string; error_description?: string; message: string; cause?: unknown }) => {
      // A refused client comes back as a WWW-Authenticate challenge (its error in the cause) or as a JSON error.
      throw new Error(`token endpoint: ${err.error ?? ''} ${err.error_description ?? err.message} ${JSON.stringify(err.cause ?? null)}`);
    });
    secrets.set(`access token of ${m.client_id} (${tokens.access_token.slice(-8)})`, tokens.access_token);
    return { config, tokens };
  }

  async function introspect(token: string): Promise<any> {
    const res = await stack.operator.post('/oidc/token/introspection', new URLSearchParams({ token }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(res.status, 200, res.text);
    return res.body;
  }

  before(async () => {
    oidc = await importEsm<OpenIdClient>('openid-client');
    joseLib = await importEsm<Jose>('jose');
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const v = ajv.compile(schema);
    validate = (d) => v(d) as boolean;
    validationErrors = () => v.errors;
    hookups = await startReceiver((r) => ({ status: (replies.get(r.url) ?? (() => 200))(r) }));
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        HOOKLINE_RETRY_SCHEDULE: '1s,1s,1s,1s',
        HOOKLINE_RETRY_POLL_INTERVAL: '100ms',
        // The most talkative level below trace: no secret may show there either.
        HOOKLINE_LOG_LEVEL: 'debug',
      },
    });
    const op = stack.operator;
    assert.equal((await op.post('/v1/tenants', { id: TENANT, name: 'Clinic' })).status, 201);
    for (const [id, parentId] of [['north', undefined], ['oslo', 'north'], ['south', undefined]] as const) {
      const res = await op.post('/v1/units', { tenant: TENANT, id, name: id, ...(parentId ? { parentId } : {}) });
      assert.equal(res.status, 201, res.text);
    }
    assert.equal((await op.post('/v1/users', { tenant: TENANT, id: 'ada', displayName: 'Ada', units: ['north'] })).status, 201);
    assert.equal((await op.post('/v1/users', { tenant: TENANT, id: 'bob', displayName: 'Bob', units: ['south'] })).status, 201);
  });

  after(async () => {
    await hookups?.close();
    await stack?.stop();
  });

  it('every tenant has a stable numeric provet_id', async () => {
    const t = await stack.operator.get(`/v1/tenants/${TENANT}`);
    assert.equal(t.status, 200, t.text);
    assert.equal(typeof t.body.provetId, 'number');
    assert.equal((await stack.operator.get(`/v1/tenants/${TENANT}`)).body.provetId, t.body.provetId);
  });

  it('templates: bad input is a 400 naming each field; a hookup URL is SSRF-checked; the signing secret is shown once', async () => {
    const op = stack.operator;
    assertProblem(await op.post('/v1/templates', { name: 'x', channel: { kind: 'hookup-url' }, oauth: { grantType: 'client_credentials', clientType: 'confidential' } }), 400, 'channel.url');
    assertProblem(await op.post('/v1/templates', { name: 'x', channel: { kind: 'email', address: 'not-mail' }, oauth: { grantType: 'client_credentials', clientType: 'confidential' } }), 400, 'channel.address');
    assertProblem(await op.post('/v1/templates', { name: 'x', channel: { kind: 'email', address: 'a@b.example' }, oauth: { grantType: 'password', clientType: 'confidential' } }), 400, 'oauth.grantType');
    assertProblem(await op.post('/v1/templates', { name: 'x', channel: { kind: 'email', address: 'a@b.example' }, oauth: { grantType: 'client_credentials', clientType: 'public' } }), 400, 'oauth.clientType');
    assertProblem(await op.post('/v1/templates', { name: 'x', channel: { kind: 'email', address: 'a@b.example' }, oauth: { grantType: 'authorization_code', clientType: 'public', algorithm: 'HS256', redirectUris: ['https://a.example/cb'] } }), 400, 'oauth.algorithm');
    assertProblem(await op.post('/v1/templates', { name: 'x', channel: { kind: 'hookup-url', url: 'http://169.254.169.254/latest' }, oauth: { grantType: 'client_credentials', clientType: 'confidential' } }), 400, 'channel.url');

    const t = await template({
      name: 'Scheduler sync',
      description: 'Books appointments from outside',
      channel: { kind: 'hookup-url', url: `${hookups.url}/machine` },
      oauth: { grantType: 'client_credentials', clientType: 'confidential', scopes: ['appointments:read'] },
    });
    assert.match(t.secret ?? '', /^whsec_/);
    machineTemplate = { id: t.id, secret: t.secret ?? '' };
    const read = await op.get(`/v1/templates/${t.id}`);
    assert.equal(read.status, 200);
    assert.ok(!read.text.includes(t.secret ?? '-'), 'the secret is shown only once');
    const account = await createAccount(op, { tenant: TENANT, name: 'catalogue-reader', grants: [{ actions: ['installations:read'], units: '*' }] });
    const { client } = await login(stack.anonymous, account);
    const list = await client.get('/v1/templates');
    assert.equal(list.status, 200, list.text);
    assert.ok(list.body.data.some((x: { id: string }) => x.id === t.id), 'a tenant sees the catalogue');
    assertProblem(await client.post('/v1/templates', { name: 'x', channel: { kind: 'email', address: 'a@b.example' }, oauth: { grantType: 'client_credentials', clientType: 'confidential' } }), 403);
  });

  it('installing: the hookup message validates against the seed schema, is signed, and its credentials get a token that verifies against the JWKS from discovery', async () => {
    const i = await install(machineTemplate.id, ['oslo']);
    assert.equal(i.body.installation.clientId, i.id);
    assert.equal(i.body.installation.departments[0].unit, 'oslo');
    units.oslo = i.body.installation.departments[0].id;
    const req = await eventually('the hookup message', async () => messagesAt('/machine')[0]);
    const m = parsed(req);
    assertValid(m);
    assert.equal(m.client_id, i.id);
    assert.equal(typeof m.client_secret, 'string');
    assert.notEqual(m.client_secret, '[redacted]');
    secrets.set('client secret of the machine installation', m.client_secret ?? '');
    assert.equal(m.provet_id, (await stack.operator.get(`/v1/tenants/${TENANT}`)).body.provetId);
    assert.deepEqual(m.departments, [units.oslo]);
    assert.equal(m.authorization_grant_type, 'client_credentials');
    assert.equal(m.client_type, 'confidential');
    assert.equal(m.openid_autodiscovery_url, null, 'the template does not use OpenID');
    assert.equal(m.algorithm, null);
    assert.equal(m.token_url, `${stack.url}/oidc/token`);
    assert.equal(req.headers['webhook-id'], i.deliveryId);
    // Signed over the body as sent, secret included (the signer wrote it in, then signed).
    new Webhook(machineTemplate.secret).verify(req.body, req.headers);
    machine = { id: i.id, secret: m.client_secret ?? '', deliveryId: i.deliveryId };

    // The log shows the message with the secret redacted.
    const logged = await eventually('the delivery succeeded in the log', async () => {
      const d = await delivery(i.deliveryId);
      return d.status === 'succeeded' ? d : undefined;
    });
    assert.equal(logged.kind, 'hookup');
    assert.equal(JSON.parse(logged.request.payload).client_secret, '[redacted]');
    assert.equal(JSON.parse(logged.request.body).client_secret, '[redacted]');
    assert.ok(!JSON.stringify(logged).includes(machine.secret));

    // A standard OAuth 2.0 client library gets a token with these credentials ...
    const { config, tokens } = await clientCredentials(m, machine.secret);
    const meta = config.serverMetadata();
    assert.equal(meta.issuer, `${stack.url}/oidc`);
    assert.equal(meta.token_endpoint, m.token_url);
    assert.ok(meta.code_challenge_methods_supported?.includes('S256'));
    // ... a JWT that verifies against the provider's published keys, carrying tenant, installation and departments.
    const jwks = joseLib.createRemoteJWKSet(new URL(meta.jwks_uri ?? ''));
    const { payload, protectedHeader } = await joseLib.jwtVerify(tokens.access_token, jwks, { issuer: meta.issuer, audience: AUDIENCE });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.tenant, TENANT);
    assert.equal(payload.installation, i.id);
    assert.equal(payload.provet_id, m.provet_id);
    assert.deepEqual(payload.departments, [units.oslo]);
    assert.equal(payload.scope, 'appointments:read');

    // RFC 7662: the host application's API asks whether it is live and what it carries.
    const live = await introspect(tokens.access_token);
    assert.equal(live.active, true);
    assert.equal(live.client_id, i.id);
    assert.deepEqual(live.departments, [units.oslo]);
    assert.deepEqual(await introspect('not-a-token'), { active: false });
    // It is a token for the host application's API, not a key to Hookline's admin API.
    assert.equal((await stack.anonymous.withToken(tokens.access_token).get(`/v1/units?tenant=${TENANT}`)).status, 401);

    // A wrong secret gets nothing.
    await assert.rejects(clientCredentials(m, `${machine.secret}x`), /invalid_client|client authentication failed/i);
  });

  it('departments: enabling and disabling one sends the full list with added_department / removed_department; an account enables only where it holds installations:write', async () => {
    const op = stack.operator;
    const add = await op.put(`/v1/installations/${machine.id}/departments/north?tenant=${TENANT}`);
    assert.equal(add.status, 200, add.text);
    units.north = add.body.installation.departments.find((d: { unit: string }) => d.unit === 'north').id;
    const added = await eventually('the added_department message', async () => messagesAt('/machine').map(parsed).find((m) => m.added_department !== undefined));
    assertValid(added);
    assert.equal(added.added_department, units.north);
    assert.deepEqual(added.departments, [units.oslo, units.north]);
    assert.equal(added.client_secret, machine.secret, 'every message carries the working secret');

    const del = await op.delete(`/v1/installations/${machine.id}/departments/oslo?tenant=${TENANT}`);
    assert.equal(del.status, 200, del.text);
    const removed = await eventually('the removed_department message', async () => messagesAt('/machine').map(parsed).find((m) => m.removed_department !== undefined));
    assertValid(removed);
    assert.equal(removed.removed_department, units.oslo);
    assert.deepEqual(removed.departments, [units.north]);

    // Enabling it again changes nothing and sends nothing.
    const before = messagesAt('/machine').length;
    const again = await op.put(`/v1/installations/${machine.id}/departments/north?tenant=${TENANT}`);
    assert.equal(again.status, 200);
    assert.equal(again.body.notification, undefined);
    assertProblem(await op.put(`/v1/installations/${machine.id}/departments/nowhere?tenant=${TENANT}`), 400, 'unit');

    // Nobody hands out what they do not hold: a south admin cannot enable the app for north.
    const south = await createAccount(op, { tenant: TENANT, name: 'south-admin', grants: [{ actions: ['installations:write'], units: ['south'] }] });
    const { client } = await login(stack.anonymous, south);
    assertProblem(await client.delete(`/v1/installations/${machine.id}/departments/north`), 403);
    const ok = await client.put(`/v1/installations/${machine.id}/departments/south`);
    assert.equal(ok.status, 200, ok.text);
    units.south = ok.body.installation.departments.find((d: { unit: string }) => d.unit === 'south').id;
    assertProblem(await client.delete(`/v1/installations/${machine.id}`), 403);
    await eventually('every message so far', async () => messagesAt('/machine').length === before + 1);

    // Tokens carry the departments as they are now.
    const { tokens } = await clientCredentials(messagesAt('/machine').map(parsed)[0], machine.secret);
    const claims = joseLib.decodeJwt(tokens.access_token);
    assert.deepEqual(claims.departments, [units.north, units.south]);
  });

  it('rotating the client secret sends a new message; the old secret stops working', async () => {
    const res = await stack.operator.post(`/v1/installations/${machine.id}/rotate-secret?tenant=${TENANT}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.installation.secretVersion, 2);
    const rotated = await eventually('the message with the new secret', async () =>
      messagesAt('/machine')
        .map(parsed)
        .find((m) => m.client_secret !== machine.secret),
    );
    assertValid(rotated);
    assert.equal(typeof rotated.client_secret, 'string');
    secrets.set('rotated client secret', rotated.client_secret ?? '');
    await assert.rejects(clientCredentials(rotated, machine.secret), /invalid_client|client authentication failed/i);
    await clientCredentials(rotated, rotated.client_secret ?? '');
    machine.secret = rotated.client_secret ?? '';
  });

  it('uninstalling revokes the client at once: its live token is inactive, no new one is issued, and it is audited', async () => {
    const m = messagesAt('/machine').map(parsed)[0];
    const { tokens } = await clientCredentials(m, machine.secret);
    assert.equal((await introspect(tokens.access_token)).active, true);
    const res = await stack.operator.delete(`/v1/installations/${machine.id}?tenant=${TENANT}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'uninstalled');
    assert.deepEqual(await introspect(tokens.access_token), { active: false });
    await assert.rejects(clientCredentials(m, machine.secret), /invalid_client|client authentication failed/i);
    assert.equal((await stack.operator.put(`/v1/installations/${machine.id}/departments/oslo?tenant=${TENANT}`)).status, 409);
    const audit = await eventually('the audit record', async () => {
      const r = await stack.operator.get(`/v1/audit/changes?tenant=${TENANT}&entity=installation&entityId=${machine.id}`);
      return r.body.data?.find((c: { action: string }) => c.action === 'deleted');
    });
    assert.equal(audit.actor.kind, 'operator');
  });

  it('bad input on the new routes is a 4xx problem naming the field, never a 500', async () => {
    const op = stack.operator;
    const missing = '0196f3a2-7c1e-7d2a-9b3c-1a2b3c4d5e6f';
    assertProblem(await op.post('/v1/installations', { tenant: TENANT, templateId: 'nope' }), 400, 'templateId');
    assertProblem(await op.post('/v1/installations', { tenant: TENANT, templateId: missing }), 400, 'templateId');
    assertProblem(await op.post('/v1/installations', { tenant: TENANT, templateId: machineTemplate.id, departments: ['nowhere'] }), 400, 'departments');
    assertProblem(await op.post('/v1/installations', { tenant: TENANT, templateId: machineTemplate.id, departments: 'oslo' }), 400, 'departments');
    assertProblem(await op.post('/v1/installations', { templateId: machineTemplate.id }), 400, 'tenant');
    // An encoded NUL in the path: the service names the field; the gateway (nginx, as the
    // ingress in production) refuses such a path before any service sees it, with a 400 problem.
    const nul = `/v1/installations/${machine.id}/departments/%00x?tenant=${TENANT}`;
    assertProblem(await new ApiClient(stack.services.registry.url, stack.operatorToken).put(nul), 400, 'unit');
    const viaGateway = await op.put(nul);
    assert.equal(viaGateway.status, 400);
    if (stack.gateway.kind === 'node') assertProblem(viaGateway, 400, 'unit');
    else assert.match(String(viaGateway.body.detail), /path cannot be decoded/);
    assertProblem(await op.get(`/v1/installations/${missing}?tenant=${TENANT}`), 404);
    assertProblem(await op.get('/v1/templates?retired=maybe'), 400, 'retired');
    assertProblem(await op.patch(`/v1/templates/${machineTemplate.id}`, { oauth: { grantType: 'client_credentials', clientType: 'public' } }), 400, 'oauth.clientType');
    assertProblem(await op.post('/v1/sign-ins', {}), 400, 'interaction');
    assertProblem(await op.post('/v1/sign-ins', { interaction: 'x'.repeat(30), tenant: TENANT }), 400, 'user');
    assertProblem(await stack.anonymous.get('/oidc/interaction/abcdefghijklmnopqrstu'), 404);
    assert.equal((await stack.anonymous.post('/oidc/token/introspection', 'token=x', { 'content-type': 'application/x-www-form-urlencoded' })).status, 401);
    // Only the host vouches: an account without users:impersonate may not; one with it gets as far as the (unknown) interaction.
    const reader = await createAccount(op, { tenant: TENANT, name: 'no-vouching', grants: [{ actions: ['installations:read'], units: '*' }] });
    assertProblem(await (await login(stack.anonymous, reader)).client.post('/v1/sign-ins', { interaction: 'x'.repeat(30), user: 'ada' }), 403);
    const host = await createAccount(op, { tenant: TENANT, name: 'host-backend', grants: [{ actions: ['users:impersonate'], units: '*' }] });
    assertProblem(await (await login(stack.anonymous, host)).client.post('/v1/sign-ins', { interaction: 'x'.repeat(30), user: 'ada' }), 404);

    // An edit applies to new installations; an existing one keeps what it was made with.
    const edited = await op.patch(`/v1/templates/${machineTemplate.id}`, { name: 'Scheduler sync 2' });
    assert.equal(edited.status, 200, edited.text);
    assert.equal(edited.body.template.version, 2);
    const kept = await op.get(`/v1/installations/${machine.id}?tenant=${TENANT}`);
    assert.equal(kept.body.templateVersion, 1);
    assert.equal(kept.body.templateName, 'Scheduler sync');

    // Retired: no new installations, the existing ones keep working (none here any more: it was uninstalled above).
    const retired = await op.post(`/v1/templates/${machineTemplate.id}/retire`);
    assert.equal(retired.status, 200, retired.text);
    assert.ok(retired.body.retiredAt);
    assertProblem(await op.post('/v1/installations', { tenant: TENANT, templateId: machineTemplate.id }), 409);
    const open = await op.get('/v1/templates?retired=false');
    assert.ok(!open.body.data.some((t: { id: string }) => t.id === machineTemplate.id));
  });

  it('a public client: authorization code with PKCE through the demo sign-in page; the host vouches for Ada, whose token carries only her departments', async () => {
    const callback = `${hookups.url}/callback`;
    const t = await template({
      name: 'Patient portal',
      channel: { kind: 'hookup-url', url: `${hookups.url}/portal` },
      oauth: { grantType: 'authorization_code', clientType: 'public', redirectUris: [callback], algorithm: 'RS256', scopes: ['openid', 'appointments:read'] },
    });
    const i = await install(t.id, ['oslo', 'south']);
    const m = parsed(await eventually('the portal hookup', async () => messagesAt('/portal')[0]));
    assertValid(m);
    assert.equal(m.client_secret, null);
    assert.equal(m.client_type, 'public');
    assert.equal(m.algorithm, 'RS256');
    assert.equal(m.redirect_uris, callback);
    assert.equal(m.openid_autodiscovery_url, `${stack.url}/oidc/.well-known/openid-configuration`);

    const config = await oidc.discovery(new URL(m.openid_autodiscovery_url ?? ''), m.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    assert.equal(config.serverMetadata().authorization_endpoint, m.authorize_url);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const start = oidc.buildAuthorizationUrl(config, {
      redirect_uri: callback,
      scope: 'openid appointments:read',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });

    // The browser: follow redirects by hand, keeping cookies, until the app's callback.
    const jar = new CookieJar();
    const go = async (url: string, init: RequestInit = {}) => {
      const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), cookie: jar.header() } });
      jar.take(res);
      return res;
    };
    let res = await go(start.href);
    const seen: string[] = [];
    while (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location') ?? '', res.url || start.href).href;
      seen.push(next);
      if (next.startsWith(`${stack.url}/local/sign-in`)) break;
      res = await go(next);
    }
    const signIn = seen[seen.length - 1] ?? '';
    assert.ok(signIn.startsWith(`${stack.url}/local/sign-in?`), `the provider sent the person to the host's sign-in page: ${seen.join(' -> ')} (${res.status} ${await res.text()})`);
    const params = new URL(signIn).searchParams;
    assert.equal(params.get('tenant'), TENANT);
    const page = await go(signIn);
    const html = await page.text();
    assert.match(html, /value="ada"/);
    // Ada signs in on the host's page; the page vouches for her (POST /v1/sign-ins) and sends the browser on.
    res = await go(`${stack.url}/local/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ interaction: params.get('interaction') ?? '', tenant: TENANT, user: 'ada' }).toString(),
    });
    let location = '';
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 10; hops++) {
      location = new URL(res.headers.get('location') ?? '', `${stack.url}/`).href;
      if (location.startsWith(callback)) break;
      res = await go(location);
    }
    assert.ok(location.startsWith(callback), `back at the app with a code: ${location} (${res.status} ${await res.text().catch(() => '')})`);

    const tokens = await oidc.authorizationCodeGrant(config, new URL(location), { pkceCodeVerifier: verifier, expectedState: state });
    secrets.set('access token of Ada', tokens.access_token);
    const idClaims = tokens.claims();
    assert.equal(idClaims?.sub, 'ada');
    const meta = config.serverMetadata();
    const { payload } = await joseLib.jwtVerify(tokens.access_token, joseLib.createRemoteJWKSet(new URL(meta.jwks_uri ?? '')), { issuer: meta.issuer, audience: AUDIENCE });
    assert.equal(payload.sub, 'ada');
    assert.equal(payload.installation, i.id);
    // The app is enabled for oslo and south; Ada sees north (and so oslo), not south.
    assert.deepEqual(payload.departments, [units.oslo]);

    // Without a code verifier the code is worthless (PKCE), and a user who sees none of the departments is not vouched for.
    const vouchBob = await stack.operator.post('/v1/sign-ins', { interaction: 'x'.repeat(21), tenant: TENANT, user: 'bob' });
    assert.equal(vouchBob.status, 404, vouchBob.text);
  });

  it('the e-mail channel: the SMTP sink gets the same details, the secret readable there and redacted in the delivery log', async () => {
    const t = await template({
      name: 'Lab results',
      channel: { kind: 'email', address: 'integrations@lab.example' },
      oauth: { grantType: 'client_credentials', clientType: 'confidential', scopes: ['appointments:read'] },
    });
    assert.equal(t.secret, undefined, 'an e-mail template signs nothing');
    const i = await install(t.id, ['south']);
    const mail = await eventually('the e-mail', async () => stack.mail.messages().find((x) => x.text.includes(i.id)));
    assert.deepEqual(mail.to, ['integrations@lab.example']);
    assert.match(mail.subject, /New installation of Lab results/);
    assert.equal(mail.headers['x-hookline-delivery-id'], i.deliveryId);
    const json = JSON.parse(mail.text.slice(mail.text.indexOf('{'))) as Hookup;
    assertValid(json);
    assert.equal(json.client_id, i.id);
    assert.deepEqual(json.departments, [units.south]);
    assert.match(mail.text, new RegExp(`client_secret: ${json.client_secret}`));
    secrets.set('client secret sent by e-mail', json.client_secret ?? '');
    // The secret in the e-mail is the one that works.
    await clientCredentials(json, json.client_secret ?? '');
    const logged = await eventually('the e-mail in the delivery log', async () => {
      const d = await delivery(i.deliveryId);
      return d.status === 'succeeded' ? d : undefined;
    });
    assert.equal(logged.kind, 'hookup-email');
    assert.equal(JSON.parse(logged.request.payload).fields.client_secret, '[redacted]');
    assert.equal(logged.attemptLog[0].method, 'SMTP');
    assert.equal(logged.attemptLog[0].statusCode, 250);
  });

  it('a hookup receiver that is down is retried, and the message arrives with the same delivery id', async () => {
    let refused = 0;
    replies.set('/flaky', () => (refused++ < 2 ? 503 : 200));
    const t = await template({
      name: 'Flaky provider',
      channel: { kind: 'hookup-url', url: `${hookups.url}/flaky` },
      oauth: { grantType: 'client_credentials', clientType: 'confidential' },
    });
    const i = await install(t.id, []);
    const d = await eventually(
      'delivered after two refusals',
      async () => {
        const x = await delivery(i.deliveryId);
        return x.status === 'succeeded' ? x : undefined;
      },
      30_000,
    );
    assert.equal(d.attemptLog.length, 3);
    const got = messagesAt('/flaky');
    assert.equal(got.length, 3);
    assert.deepEqual(new Set(got.map((r) => r.headers['webhook-id'])), new Set([i.deliveryId]));
    for (const r of got) new Webhook(t.secret ?? '').verify(r.body, r.headers);
    secrets.set('client secret of the flaky installation', parsed(got[2]).client_secret ?? '');
    assert.deepEqual((await listAllDeliveries(stack.operator, TENANT, `kind=hookup&target=${i.id}`)).map((x) => x.id), [i.deliveryId]);
  });

  it('no secret in any service log, a pg_dump, any row, the delivery log, the audit trail or the JetStream store', async () => {
    assert.ok(secrets.size >= 8, `${secrets.size} secrets recorded`);
    const leaks = (text: string) => [...secrets].filter(([, s]) => s.length >= 16 && text.includes(s)).map(([what]) => what);
    const logs = stack.allLogLines().join('\n');
    assert.ok(/"level":"debug"/.test(logs), 'the logs searched are the talkative ones');
    assert.deepEqual(leaks(logs), []);
    const dump = await pgDump(stack.databaseUrl);
    assert.ok(dump.includes('COPY public.oidc_payloads') && dump.includes('COPY public.app_installations'), 'the dump holds the provider store');
    assert.deepEqual(leaks(dump), []);
    assert.deepEqual(leaks(await dumpDatabase(stack.databaseUrl)), []);
    const texts: string[] = [];
    for (const d of await listAllDeliveries(stack.operator, TENANT)) texts.push((await stack.operator.get(`/v1/deliveries/${d.id}?tenant=${TENANT}`)).text);
    texts.push((await stack.operator.get(`/v1/audit/changes?tenant=${TENANT}&limit=500`)).text);
    texts.push((await stack.operator.get(`/v1/audit/changes?tenant=platform:catalogue&limit=500`)).text);
    const api = texts.join('\n');
    assert.ok(api.includes('[redacted]') && api.includes('hookup'), 'the texts searched are the real ones');
    assert.deepEqual(leaks(api), []);
    const store = Buffer.concat(filesUnder(stack.nats.storeDir).map((f) => readFileSync(f)));
    assert.ok(store.includes('client_id'), 'the store holds the hookup facts, uncompressed');
    assert.deepEqual(
      [...secrets].filter(([, s]) => s.length >= 16 && store.includes(s)).map(([what]) => what),
      [],
    );
  });
});
