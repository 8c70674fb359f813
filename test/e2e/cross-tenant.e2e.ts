// A tenant never sees or changes another tenant's anything. Every endpoint is tried with
// tenant alpha's credentials (an account holding every permission, and a user token
// obtained through impersonation) against tenant beta's ids; each answer must be
// exactly the answer for an id that exists nowhere (so a 404, never a 403 that would
// confirm the id exists), and beta's data must be untouched afterwards.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIONS } from '@hookline/auth';
import { ApiClient, ApiResponse, createAccount, eventually, login, startTestStack, TestAccount, TestStack } from '@hookline/testing';

interface Refs {
  tenant: string;
  unit: string;
  user: string;
  account: string;
  event: string;
  change: string;
  receiver: string;
  topic: string;
}

type Probe = [name: string, call: (c: ApiClient, r: Refs) => Promise<ApiResponse>];

const GHOST: Refs = {
  tenant: 'ghost-tenant',
  unit: 'ghost-unit',
  user: 'ghost-user',
  account: '01900000-0000-7000-8000-0000000000aa',
  event: '01900000-0000-7000-8000-0000000000bb',
  change: '01900000-0000-7000-8000-0000000000cc',
  receiver: '01900000-0000-7000-8000-0000000000dd',
  topic: 'Ghost.Topic',
};

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Every route that takes an id or a tenant, in every method. */
function probes(subjectToken: () => string, ownAccount: () => string): Probe[] {
  const receiver = (over: Record<string, unknown>) => ({ name: 'intruder', url: 'http://127.0.0.1:9/hook', topics: ['Alpha.Topic'], accountId: ownAccount(), auth: { protocol: 'none' }, ...over });
  return [
    ['GET receiver', (c, r) => c.get(`/v1/receivers/${r.receiver}`)],
    ['PATCH receiver', (c, r) => c.patch(`/v1/receivers/${r.receiver}`, { name: 'taken over' })],
    ['DELETE receiver', (c, r) => c.delete(`/v1/receivers/${r.receiver}`)],
    ['POST receiver secret rotation', (c, r) => c.post(`/v1/receivers/${r.receiver}/rotate-secret`)],
    ['POST receiver for its account', (c, r) => c.post('/v1/receivers', receiver({ accountId: r.account }))],
    ['POST receiver on its topic', (c, r) => c.post('/v1/receivers', receiver({ topics: [r.topic] }))],
    ['POST receiver into tenant', (c, r) => c.post('/v1/receivers', receiver({ tenant: r.tenant }))],
    ['GET receivers of tenant', (c, r) => c.get(`/v1/receivers?tenant=${r.tenant}`)],
    ['GET topic', (c, r) => c.get(`/v1/topics/${r.topic}`)],
    ['PATCH topic', (c, r) => c.patch(`/v1/topics/${r.topic}`, { description: 'taken over' })],
    ['DELETE topic', (c, r) => c.delete(`/v1/topics/${r.topic}`)],
    ['POST topic into tenant', (c, r) => c.post('/v1/topics', { tenant: r.tenant, name: 'Intruder.Topic' })],
    ['GET topics of tenant', (c, r) => c.get(`/v1/topics?tenant=${r.tenant}`)],
    ['GET unit', (c, r) => c.get(`/v1/units/${r.unit}`)],
    ['PATCH unit', (c, r) => c.patch(`/v1/units/${r.unit}`, { name: 'taken over' })],
    ['DELETE unit', (c, r) => c.delete(`/v1/units/${r.unit}`)],
    ['POST unit below it', (c, r) => c.post('/v1/units', { id: 'intruder', name: 'x', parentId: r.unit })],
    ['PATCH own unit below it', (c, r) => c.patch('/v1/units/a-child', { parentId: r.unit })],
    ['GET user', (c, r) => c.get(`/v1/users/${r.user}`)],
    ['PATCH user', (c, r) => c.patch(`/v1/users/${r.user}`, { displayName: 'taken over' })],
    ['DELETE user', (c, r) => c.delete(`/v1/users/${r.user}`)],
    ['POST user seeing its unit', (c, r) => c.post('/v1/users', { id: 'intruder', displayName: 'x', units: [r.unit] })],
    ['GET account', (c, r) => c.get(`/v1/accounts/${r.account}`)],
    ['PATCH account', (c, r) => c.patch(`/v1/accounts/${r.account}`, { enabled: false })],
    ['DELETE account', (c, r) => c.delete(`/v1/accounts/${r.account}`)],
    ['POST account credentials', (c, r) => c.post(`/v1/accounts/${r.account}/credentials`)],
    ['POST account granted its unit', (c, r) => c.post('/v1/accounts', { name: 'intruder', grants: [{ actions: ['units:read'], units: [r.unit] }] })],
    ['GET units of tenant', (c, r) => c.get(`/v1/units?tenant=${r.tenant}`)],
    ['GET unit in tenant', (c, r) => c.get(`/v1/units/${r.unit}?tenant=${r.tenant}`)],
    ['POST unit into tenant', (c, r) => c.post('/v1/units', { tenant: r.tenant, id: 'intruder', name: 'x' })],
    ['GET users of tenant', (c, r) => c.get(`/v1/users?tenant=${r.tenant}`)],
    ['POST user into tenant', (c, r) => c.post('/v1/users', { tenant: r.tenant, id: 'intruder', displayName: 'x', units: '*' })],
    ['GET accounts of tenant', (c, r) => c.get(`/v1/accounts?tenant=${r.tenant}`)],
    ['POST account into tenant', (c, r) => c.post('/v1/accounts', { tenant: r.tenant, name: 'intruder', grants: [] })],
    ['DELETE account in tenant', (c, r) => c.delete(`/v1/accounts/${r.account}?tenant=${r.tenant}`)],
    ['POST event into tenant', (c, r) => c.post('/v1/events', { tenant: r.tenant, topic: 'Accounts.Update', object: { type: 'a', id: '1' } })],
    ['GET audit events of tenant', (c, r) => c.get(`/v1/audit/events?tenant=${r.tenant}`)],
    ['GET audit event', (c, r) => c.get(`/v1/audit/events/${r.event}`)],
    ['GET audit changes of tenant', (c, r) => c.get(`/v1/audit/changes?tenant=${r.tenant}`)],
    ['GET audit change', (c, r) => c.get(`/v1/audit/changes/${r.change}`)],
    ['GET tenant', (c, r) => c.get(`/v1/tenants/${r.tenant}`)],
    ['PATCH tenant', (c, r) => c.patch(`/v1/tenants/${r.tenant}`, { name: 'taken over' })],
    ['GET deliveries of tenant', (c, r) => c.get(`/v1/deliveries?tenant=${r.tenant}`)],
    ['GET delivery', (c, r) => c.get(`/v1/deliveries/${r.event}?tenant=${r.tenant}`)],
    ['POST delivery resend', (c, r) => c.post(`/v1/deliveries/${r.event}/resend?tenant=${r.tenant}`)],
    [
      'POST oauth/token as its user',
      (c, r) =>
        c.post(
          '/oauth/token',
          form({
            grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
            subject_token: subjectToken(),
            subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
            requested_subject: r.user,
          }),
          FORM,
        ),
    ],
  ];
}

/** Lists and filters: 200, and nothing of the other tenant in them. */
const LISTS: [string, (r: Refs) => string][] = [
  ['receivers', () => '/v1/receivers?limit=500'],
  ['receivers of its account', (r) => `/v1/receivers?accountId=${r.account}`],
  ['receivers of its topic', (r) => `/v1/receivers?topic=${r.topic}`],
  ['topics', () => '/v1/topics?limit=500'],
  ['units', () => '/v1/units?limit=500'],
  ['units below its unit', (r) => `/v1/units?under=${r.unit}`],
  ['units whose parent is its unit', (r) => `/v1/units?parentId=${r.unit}`],
  ['users', () => '/v1/users?limit=500'],
  ['users seeing its unit', (r) => `/v1/users?unit=${r.unit}`],
  ['accounts', () => '/v1/accounts?limit=500'],
  ['audit events', () => '/v1/audit/events?limit=500'],
  ['audit events of its object', () => '/v1/audit/events?objectId=beta-object'],
  ['audit changes', () => '/v1/audit/changes?limit=500'],
  ['audit changes of its account', (r) => `/v1/audit/changes?entityId=${r.account}`],
  ['audit changes by its account', (r) => `/v1/audit/changes?actor=account:${r.account}`],
];

/** Status and message, with the ids it names blanked out, to compare two answers. */
function answer(res: ApiResponse, ids: Refs): string {
  const detail = String(res.body?.detail ?? res.body?.error_description ?? '');
  return `${res.status} ${Object.values(ids).sort((a, b) => b.length - a.length).reduce((text: string, id) => text.split(id).join('<id>'), detail)}`;
}

describe('cross-tenant isolation', () => {
  let stack: TestStack;
  let alphaAdmin: TestAccount;
  let betaAdmin: TestAccount;
  let alphaApi: ApiClient;
  let alphaUserApi: ApiClient;
  let betaApi: ApiClient;
  let beta: Refs;
  let alphaToken = '';

  before(async () => {
    stack = await startTestStack({ services: ['registry', 'audit-log', 'signer'], env: { HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8' } });
    const everything = [{ actions: [...ACTIONS], units: '*' as const }];
    for (const t of ['alpha', 'beta']) {
      assert.equal((await stack.operator.post('/v1/tenants', { id: t, name: t })).status, 201);
      // "hq" exists in both tenants: same id, different objects.
      for (const [id, parentId] of [['hq'], [`${t[0]}-root`], [`${t[0]}-child`, `${t[0]}-root`]] as [string, string?][]) {
        assert.equal((await stack.operator.post('/v1/units', { tenant: t, id, name: `${t} ${id}`, ...(parentId ? { parentId } : {}) })).status, 201);
      }
      for (const id of ['same', `u-${t}`]) assert.equal((await stack.operator.post('/v1/users', { tenant: t, id, displayName: `${t} ${id}`, units: '*' })).status, 201);
    }
    alphaAdmin = await createAccount(stack.operator, { tenant: 'alpha', name: 'admin', grants: everything });
    betaAdmin = await createAccount(stack.operator, { tenant: 'beta', name: 'admin', grants: everything });
    const a = await login(stack.anonymous, alphaAdmin);
    alphaApi = a.client;
    alphaToken = a.body.accessToken;
    betaApi = (await login(stack.anonymous, betaAdmin)).client;
    const asUser = await stack.anonymous.post(
      '/oauth/token',
      form({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: alphaToken, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', requested_subject: 'u-alpha' }),
      FORM,
    );
    assert.equal(asUser.status, 200, asUser.text);
    alphaUserApi = stack.anonymous.withToken(asUser.body.access_token);

    const betaAccount = await createAccount(betaApi, { name: 'robot', grants: [{ actions: ['events:publish', 'webhooks:receive'], units: '*' }] });
    assert.equal((await alphaApi.post('/v1/topics', { name: 'Alpha.Topic' })).status, 201);
    assert.equal((await betaApi.post('/v1/topics', { name: 'Beta.Only' })).status, 201);
    const betaReceiver = await betaApi.post('/v1/receivers', { name: 'beta hook', url: 'http://127.0.0.1:9/hook', topics: ['Beta.Only'], accountId: betaAccount.id, auth: { protocol: 'none' } });
    assert.equal(betaReceiver.status, 201, betaReceiver.text);
    const event = await betaApi.post('/v1/events', { topic: 'Accounts.Update', object: { type: 'account', id: 'beta-object', unit: 'b-root' } });
    assert.equal(event.status, 202);
    const change = await eventually('beta changes in the log', async () => {
      const r = await betaApi.get(`/v1/audit/changes?entityId=${betaAccount.id}`);
      return r.body.data?.[0];
    });
    await eventually('beta event in the log', async () => (await betaApi.get(`/v1/audit/events/${event.body.id}`)).status === 200);
    beta = { tenant: 'beta', unit: 'b-root', user: 'u-beta', account: betaAccount.id, event: event.body.id, change: change.id, receiver: betaReceiver.body.receiver.id, topic: 'Beta.Only' };
  });
  after(async () => {
    await stack?.stop();
  });

  it("the other tenant's ids answer exactly like ids that exist nowhere, on every endpoint", async () => {
    const statuses: Record<number, number> = {};
    for (const [who, client] of [['account', alphaApi], ['user through account', alphaUserApi]] as [string, ApiClient][]) {
      for (const [name, call] of probes(() => alphaToken, () => alphaAdmin.id)) {
        const foreign = await call(client, beta);
        const ghost = await call(client, GHOST);
        const label = `${who}: ${name}`;
        assert.ok(foreign.status >= 400, `${label} succeeded: ${foreign.status} ${foreign.text}`);
        assert.notEqual(foreign.status, 500, `${label}: ${foreign.text}`);
        assert.equal(answer(foreign, beta), answer(ghost, GHOST), `${label}: foreign ${foreign.text} vs nowhere ${ghost.text}`);
        assert.ok([400, 403, 404].includes(foreign.status), `${label}: ${foreign.status}`);
        if (foreign.status === 403) assert.match(foreign.body.detail, /operator token/, `${label}: only operator work is a 403, whatever the id`);
        statuses[foreign.status] = (statuses[foreign.status] ?? 0) + 1;
      }
    }
    // Operator work (tenants; deliveries until they take access tokens) is 403 for everyone; the rest is 404 or a 400 naming the unknown reference.
    assert.ok((statuses[404] ?? 0) >= 50, JSON.stringify(statuses));
  });

  it("lists and filters never show the other tenant's anything", async () => {
    const betaIds = Object.values(beta).filter((id) => id !== 'beta');
    for (const client of [alphaApi, alphaUserApi]) {
      for (const [name, path] of LISTS) {
        const res = await client.get(path(beta));
        assert.equal(res.status, 200, `${name}: ${res.text}`);
        for (const item of res.body.data) {
          assert.notEqual(item.tenant, 'beta', `${name} shows ${JSON.stringify(item)}`);
          for (const id of betaIds) assert.ok(!JSON.stringify(item).includes(id), `${name} shows ${id}`);
        }
      }
    }
    const units = (await alphaApi.get('/v1/units?limit=500')).body.data.map((u: { id: string }) => u.id).sort();
    assert.deepEqual(units, ['a-child', 'a-root', 'hq']);
  });

  it('the same id in two tenants names two different objects', async () => {
    const before = (await betaApi.get('/v1/units/hq')).body;
    assert.equal((await alphaApi.patch('/v1/units/hq', { name: 'alpha HQ renamed' })).status, 200);
    assert.equal((await alphaApi.patch('/v1/users/same', { displayName: 'alpha same renamed' })).status, 200);
    assert.deepEqual((await betaApi.get('/v1/units/hq')).body, before);
    assert.equal((await betaApi.get('/v1/users/same')).body.displayName, 'beta same');
  });

  it("tokens and credentials of one tenant's account do not work for the other's", async () => {
    const swapped = await stack.anonymous.post('/v1/auth/login', { account: betaAdmin.id, token: alphaAdmin.token, totp: await alphaAdmin.nextCode() });
    assert.equal(swapped.status, 401);
    assert.equal((await betaApi.get('/v1/units/a-root')).status, 404);
  });

  it("nothing of beta's changed", async () => {
    assert.equal((await betaApi.get(`/v1/units/${beta.unit}`)).body.name, 'beta b-root');
    assert.equal((await betaApi.get(`/v1/users/${beta.user}`)).body.displayName, 'beta u-beta');
    const acct = (await betaApi.get(`/v1/accounts/${beta.account}`)).body;
    assert.equal(acct.enabled, true);
    assert.equal(acct.createdAt, acct.credentialsIssuedAt, 'credentials never reset');
    const units = (await betaApi.get('/v1/units?limit=500')).body.data.map((u: { id: string }) => u.id).sort();
    assert.deepEqual(units, ['b-child', 'b-root', 'hq']);
    const users = (await betaApi.get('/v1/users?limit=500')).body.data.map((u: { id: string }) => u.id).sort();
    assert.deepEqual(users, ['same', 'u-beta']);
    const receiver = (await betaApi.get(`/v1/receivers/${beta.receiver}`)).body;
    assert.deepEqual([receiver.name, receiver.deletedAt, receiver.enabled], ['beta hook', null, true]);
    assert.equal((await betaApi.get(`/v1/topics/${beta.topic}`)).status, 200);
    const changes = (await betaApi.get('/v1/audit/changes?limit=500')).body.data;
    assert.ok(changes.every((c: { by: string }) => !c.by.includes(alphaAdmin.id)), 'no change in beta was made by alpha');
  });
});
