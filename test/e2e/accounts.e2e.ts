// API accounts end to end: a tenant and its unit tree, an account made by the operator,
// login with API token + TOTP (codes from the independent otpauth library), the access
// token verified against the published keys, grants limiting what an account can do and
// see, impersonation through OAuth 2.0 token exchange with its audit trail, disabling,
// credential resets, throttling, and the token and secret never readable again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import * as OTPAuth from 'otpauth';
import { ApiClient, assertProblem, codeSource, createAccount, dumpDatabase, eventually, login, startTestStack, TestAccount, TestStack } from '@hookline/testing';

const ALL = ['accounts:write', 'units:write', 'users:write', 'users:impersonate', 'events:publish', 'logs:read'];

async function decodeJwt(token: string): Promise<Record<string, any>> {
  const { decodeJwt } = await import('jose');
  return decodeJwt(token) as Record<string, any>;
}

describe('API accounts', () => {
  let stack: TestStack;
  let admin: TestAccount;
  let adminApi: ApiClient;
  const secrets: string[] = [];
  const accessTokens: string[] = [];

  before(async () => {
    stack = await startTestStack({ services: ['registry', 'audit-log'], env: { HOOKLINE_LOGIN_MAX_FAILURES_PER_IP: '10' } });
  });
  after(async () => {
    await stack?.stop();
  });

  function remember(a: TestAccount): TestAccount {
    secrets.push(a.token, a.token.split('.')[1], a.totpSecret);
    return a;
  }

  it('the operator creates a tenant and its unit tree', async () => {
    const t = await stack.operator.post('/v1/tenants', { id: 'acme', name: 'Acme Care' });
    assert.equal(t.status, 201, t.text);
    assert.deepEqual({ id: t.body.id, name: t.body.name, baseUrl: t.body.baseUrl }, { id: 'acme', name: 'Acme Care', baseUrl: null });
    assertProblem(await stack.operator.post('/v1/tenants', { id: 'acme', name: 'again' }), 409);
    assertProblem(await stack.operator.post('/v1/tenants', { id: 'Not Valid', name: 'x' }), 400, 'id');
    const list = await stack.operator.get('/v1/tenants');
    assert.ok(list.body.data.some((x: { id: string }) => x.id === 'acme'));
    // north ── north-a ── north-a-1
    //      └── north-b
    // south
    for (const [id, parentId] of [['north'], ['north-a', 'north'], ['north-a-1', 'north-a'], ['north-b', 'north'], ['south']] as [string, string?][]) {
      const r = await stack.operator.post('/v1/units', { tenant: 'acme', id, name: id.toUpperCase(), ...(parentId ? { parentId } : {}) });
      assert.equal(r.status, 201, r.text);
    }
    const a1 = await stack.operator.get('/v1/units/north-a-1?tenant=acme');
    assert.deepEqual(a1.body.path, ['north', 'north-a', 'north-a-1']);
    assertProblem(await stack.operator.post('/v1/units', { id: 'x', name: 'x' }), 400, 'tenant');
    assertProblem(await stack.operator.post('/v1/units', { tenant: 'acme', id: 'x', name: 'x', parentId: 'nowhere' }), 404);
  });

  it('creating an account answers once with an API token and a TOTP secret', async () => {
    const res = await stack.operator.post('/v1/accounts', { tenant: 'acme', name: 'admin', grants: [{ actions: [...ALL, 'accounts:read'], units: '*' }] });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const { account, credentials } = res.body;
    assert.match(account.id, /^[0-9a-f-]{36}$/);
    assert.equal(account.tenant, 'acme');
    assert.equal(account.enabled, true);
    assert.match(credentials.token, /^hlk_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    assert.match(credentials.totp.secret, /^[A-Z2-7]{32}$/);
    assert.deepEqual([credentials.totp.algorithm, credentials.totp.digits, credentials.totp.period], ['SHA1', 6, 30]);
    // An authenticator app reads the otpauth:// URI and computes the same codes.
    const fromUri = OTPAuth.URI.parse(credentials.totp.otpauthUri) as OTPAuth.TOTP;
    assert.equal(fromUri.secret.base32, credentials.totp.secret);
    assert.equal(fromUri.issuer, 'Hookline');
    admin = remember({ id: account.id, tenant: 'acme', name: 'admin', token: credentials.token, totpSecret: credentials.totp.secret, otpauthUri: credentials.totp.otpauthUri, nextCode: codeSource(credentials.totp.secret) });
    // Never again: not on read, not in lists.
    const again = await stack.operator.get(`/v1/accounts/${account.id}?tenant=acme`);
    assert.equal(again.status, 200);
    assert.equal(again.body.credentials, undefined);
    for (const s of secrets) assert.ok(!again.text.includes(s));
  });

  it('logs in with token and TOTP code, gets a short-lived token verifiable with the published keys, and the base URL', async () => {
    const code = await admin.nextCode();
    const res = await stack.anonymous.post('/v1/auth/login', { account: admin.id, token: admin.token, totp: code });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.body.tokenType, 'Bearer');
    assert.equal(res.body.baseUrl, stack.url);
    assert.ok(res.body.expiresIn > 800 && res.body.expiresIn <= 900, String(res.body.expiresIn));
    assert.deepEqual(res.body.account, { id: admin.id, tenant: 'acme', name: 'admin' });
    accessTokens.push(res.body.accessToken);

    const { createLocalJWKSet, jwtVerify } = await import('jose');
    const jwks = await stack.anonymous.get('/.well-known/jwks.json');
    assert.equal(jwks.status, 200);
    assert.ok(jwks.body.keys.every((k: Record<string, unknown>) => k.kty === 'OKP' && k.crv === 'Ed25519' && !('d' in k)), 'public keys only');
    const { payload, protectedHeader } = await jwtVerify(res.body.accessToken, createLocalJWKSet(jwks.body), { issuer: 'hookline', audience: 'hookline-api' });
    assert.equal(protectedHeader.alg, 'EdDSA');
    assert.equal(payload.sub, admin.id);
    assert.equal(payload.tid, 'acme');
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 900);

    // The same code a second time is refused, exactly like a wrong one.
    const replay = await stack.anonymous.post('/v1/auth/login', { account: admin.id, token: admin.token, totp: code });
    assertProblem(replay, 401);
    const wrongCode = await stack.anonymous.post('/v1/auth/login', { account: admin.id, token: admin.token, totp: code === '000000' ? '111111' : '000000' });
    const wrongToken = await stack.anonymous.post('/v1/auth/login', { account: admin.id, token: admin.token.slice(0, -2) + 'xx', totp: await admin.nextCode() });
    const wrongAccount = await stack.anonymous.post('/v1/auth/login', { account: '01900000-0000-7000-8000-000000000000', token: admin.token, totp: '123456' });
    for (const r of [wrongCode, wrongToken, wrongAccount]) {
      assertProblem(r, 401);
      assert.equal(r.body.detail, replay.body.detail, 'a 401 never says which part was wrong');
    }
    assertProblem(await stack.anonymous.post('/v1/auth/login', { account: 'admin', token: admin.token, totp: '123456' }), 400, 'account');
    assertProblem(await stack.anonymous.post('/v1/auth/login', { account: admin.id, token: admin.token, totp: '12345' }), 400, 'totp');
    adminApi = stack.anonymous.withToken(res.body.accessToken);
    const me = await adminApi.get('/v1/auth/me');
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.kind, 'account');
    assert.equal(me.body.account.id, admin.id);
  });

  it('the access token works for the account, not for operator work', async () => {
    assertProblem(await adminApi.get('/v1/tenants'), 403);
    assertProblem(await adminApi.post('/v1/tenants', { id: 'mine', name: 'x' }), 403);
    const u = await adminApi.post('/v1/units', { id: 'south-1', name: 'South 1', parentId: 'south' });
    assert.equal(u.status, 201, u.text);
    assert.equal(u.body.tenant, 'acme');
    assertProblem(await stack.anonymous.withToken(`${accessTokens[0]}x`).get('/v1/units'), 401);
    assertProblem(await stack.anonymous.withToken(accessTokens[0].replace(/\.[^.]+\./, '.e30.')).get('/v1/units'), 401);
  });

  it('an account with accounts:write creates accounts, but never with more than it holds', async () => {
    const delegate = remember(await createAccount(adminApi, { name: 'delegate', grants: [{ actions: ['accounts:write', 'events:publish'], units: ['north'], topics: ['Accounts.>'] }] }));
    const { client } = await login(stack.anonymous, delegate);
    const wider = [
      [{ actions: ['events:publish'], units: '*', topics: ['Accounts.*'] }],
      [{ actions: ['events:publish'], units: ['north', 'south'], topics: ['Accounts.*'] }],
      [{ actions: ['events:publish'], units: ['north-a'], topics: '*' }],
      [{ actions: ['units:write'], units: ['north-a'] }],
    ];
    for (const grants of wider) assertProblem(await client.post('/v1/accounts', { name: `too-much-${Math.random()}`, grants }), 403);
    const narrower = await client.post('/v1/accounts', { name: 'publisher-by-delegate', grants: [{ actions: ['events:publish'], units: ['north-a'], topics: ['Accounts.Update'] }] });
    assert.equal(narrower.status, 201, narrower.text);
    secrets.push(narrower.body.credentials.token, narrower.body.credentials.totp.secret);
    // Nor may it touch an account stronger than itself.
    assertProblem(await client.patch(`/v1/accounts/${admin.id}`, { enabled: false }), 403);
    assertProblem(await client.delete(`/v1/accounts/${admin.id}`), 403);
    // Bad grants are a 400 naming the field.
    assertProblem(await adminApi.post('/v1/accounts', { name: 'bad', grants: [{ actions: ['root:all'], units: '*' }] }), 400, 'grants.0.actions');
    assertProblem(await adminApi.post('/v1/accounts', { name: 'bad', grants: [{ actions: ['logs:read'], units: 'north' }] }), 400, 'grants.0.units');
    assertProblem(await adminApi.post('/v1/accounts', { name: 'bad', grants: [{ actions: ['logs:read'], units: '*', topics: ['a.>.b'] }] }), 400, 'grants.0.topics');
    assertProblem(await adminApi.post('/v1/accounts', { name: 'bad', grants: [{ actions: ['logs:read'], units: ['atlantis'] }] }), 400, 'grants');
    assertProblem(await adminApi.post('/v1/accounts', { name: 'admin', grants: [] }), 409);
  });

  it('grants limit what an account can publish (topic and unit) and which events it can read', async () => {
    const publisher = remember(
      await createAccount(adminApi, {
        name: 'publisher',
        grants: [
          { actions: ['events:publish'], units: ['north-a'], topics: ['Accounts.*'] },
          { actions: ['logs:read'], units: ['north-a'], topics: ['Accounts.*'] },
        ],
      }),
    );
    const { client } = await login(stack.anonymous, publisher);
    const send = (topic: string, unit?: string) => client.post('/v1/events', { topic, object: { type: 'account', id: '7', ...(unit ? { unit } : {}) }, data: { unit } });
    const ok = await send('Accounts.Update', 'north-a-1');
    assert.equal(ok.status, 202, ok.text);
    assert.equal((await send('Accounts.Create', 'north-a')).status, 202);
    assertProblem(await send('Accounts.Update', 'north-b'), 403);
    assertProblem(await send('Accounts.Update', 'north'), 403);
    assertProblem(await send('Visits.Update', 'north-a'), 403);
    assertProblem(await send('Accounts.Update.Email', 'north-a'), 403);
    assertProblem(await send('Accounts.Update'), 403);
    assertProblem(await client.post('/v1/events', { tenant: 'other', topic: 'Accounts.Update', object: { type: 'a', id: '1', unit: 'north-a' } }), 404);
    // It holds nothing else.
    assertProblem(await client.get('/v1/units'), 403);
    assertProblem(await client.get('/v1/accounts'), 403);
    assertProblem(await client.get('/v1/audit/changes'), 403);

    // The operator publishes elsewhere; the publisher's log shows only its own corner.
    for (const [topic, unit] of [['Accounts.Update', 'south'], ['Visits.Update', 'north-a'], ['Accounts.Update', undefined], ['Accounts.Delete', 'north-a-1']] as [string, string?][]) {
      const r = await stack.operator.post('/v1/events', { tenant: 'acme', topic, object: { type: 'x', id: '1', ...(unit ? { unit } : {}) } });
      assert.equal(r.status, 202);
    }
    await eventually('the operator sees all six', async () => (await stack.operator.get('/v1/audit/events?tenant=acme')).body.data.length >= 6);
    const seen = await client.get('/v1/audit/events');
    assert.equal(seen.status, 200, seen.text);
    const got = seen.body.data.map((e: any) => `${e.topic}@${e.object.unit}`).sort();
    assert.deepEqual(got, ['Accounts.Create@north-a', 'Accounts.Delete@north-a-1', 'Accounts.Update@north-a-1']);
    assert.ok(seen.body.data.every((e: any) => e.tenant === 'acme'));
    const mine = seen.body.data.find((e: any) => e.topic === 'Accounts.Update');
    assert.equal(mine.publishedBy, `account:${publisher.id}`);
    const hidden = (await stack.operator.get('/v1/audit/events?tenant=acme&topic=Visits.Update')).body.data[0];
    assertProblem(await client.get(`/v1/audit/events/${hidden.id}`), 404);
  });

  it('a grant on a unit covers the units below it, and what it cannot see answers 404', async () => {
    const viewer = remember(await createAccount(adminApi, { name: 'viewer', grants: [{ actions: ['units:read', 'users:read'], units: ['north'] }] }));
    const { client } = await login(stack.anonymous, viewer);
    const units = await client.get('/v1/units?limit=100');
    assert.deepEqual(units.body.data.map((u: { id: string }) => u.id).sort(), ['north', 'north-a', 'north-a-1', 'north-b']);
    assert.equal((await client.get('/v1/units/north-a-1')).status, 200);
    assertProblem(await client.get('/v1/units/south'), 404);
    assertProblem(await client.post('/v1/units', { id: 'n-2', name: 'x', parentId: 'north' }), 403);
    // Changing its grants takes effect at once in the registry, with the same token.
    const changed = await adminApi.patch(`/v1/accounts/${viewer.id}`, { grants: [{ actions: ['units:read'], units: ['south'] }] });
    assert.equal(changed.status, 200, changed.text);
    const now = await client.get('/v1/units?limit=100');
    assert.deepEqual(now.body.data.map((u: { id: string }) => u.id).sort(), ['south', 'south-1']);
    assertProblem(await client.get('/v1/units/north'), 404);
    assertProblem(await client.get('/v1/users'), 403);
  });

  it('units: list filters and cursor pages, update, move, delete', async () => {
    const moved = await adminApi.patch('/v1/units/north-b', { parentId: 'south', name: 'North B (moved)' });
    assert.equal(moved.status, 200, moved.text);
    assert.deepEqual(moved.body.path, ['south', 'north-b']);
    assertProblem(await adminApi.patch('/v1/units/north', { parentId: 'north-a-1' }), 400, 'parentId');
    assertProblem(await adminApi.delete('/v1/units/north-a'), 409);
    const under = await adminApi.get('/v1/units?under=south&limit=100');
    assert.deepEqual(under.body.data.map((u: { id: string }) => u.id).sort(), ['north-b', 'south', 'south-1']);
    assert.deepEqual((await adminApi.get('/v1/units?parentId=north')).body.data.map((u: { id: string }) => u.id), ['north-a']);
    assert.deepEqual((await adminApi.get('/v1/units?q=MOVED')).body.data.map((u: { id: string }) => u.id), ['north-b']);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await adminApi.get(`/v1/units?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(page.body.data.length <= 2);
      ids.push(...page.body.data.map((u: { id: string }) => u.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), ['north', 'north-a', 'north-a-1', 'north-b', 'south', 'south-1']);
    assertProblem(await adminApi.get('/v1/units?cursor=garbage'), 400, 'cursor');
    const tmp = await adminApi.post('/v1/units', { id: 'tmp', name: 'tmp' });
    assert.equal(tmp.status, 201);
    assert.equal((await adminApi.delete('/v1/units/tmp')).status, 204);
    assertProblem(await adminApi.get('/v1/units/tmp'), 404);
  });

  let concierge: TestAccount;
  let conciergeToken: string;
  let bobToken: string;

  it('users are mirrored, listed, filtered, updated and deleted', async () => {
    for (const u of [
      { id: 'bob', displayName: 'Bob', units: ['north-a'] },
      { id: 'carol', displayName: 'Carol', units: ['south'] },
      { id: 'dave', displayName: 'Dave', units: '*' },
      { id: 'erin', displayName: 'Erin', units: ['north-a-1'] },
    ]) {
      const r = await adminApi.post('/v1/users', u);
      assert.equal(r.status, 201, r.text);
    }
    assertProblem(await adminApi.post('/v1/users', { id: 'bob', displayName: 'again', units: [] }), 409);
    assertProblem(await adminApi.post('/v1/users', { id: 'zed', displayName: 'Zed', units: ['atlantis'] }), 400, 'units[0]');
    const seeA1 = await adminApi.get('/v1/users?unit=north-a-1&limit=100');
    assert.deepEqual(seeA1.body.data.map((u: { id: string }) => u.id).sort(), ['bob', 'dave', 'erin']);
    const patched = await adminApi.patch('/v1/users/erin', { displayName: 'Erin E.' });
    assert.equal(patched.body.displayName, 'Erin E.');
    assert.equal((await adminApi.delete('/v1/users/erin')).status, 204);
    assertProblem(await adminApi.get('/v1/users/erin'), 404);
    const limited = remember(await createAccount(adminApi, { name: 'hr-north', grants: [{ actions: ['users:write'], units: ['north'] }] }));
    const { client } = await login(stack.anonymous, limited);
    assert.deepEqual((await client.get('/v1/users?limit=100')).body.data.map((u: { id: string }) => u.id).sort(), ['bob']);
    assertProblem(await client.get('/v1/users/carol'), 404);
    assertProblem(await client.get('/v1/users/dave'), 404);
    assertProblem(await client.post('/v1/users', { id: 'frank', displayName: 'Frank', units: '*' }), 403);
    assert.equal((await client.post('/v1/users', { id: 'frank', displayName: 'Frank', units: ['north-a'] })).status, 201);
  });

  it('an account with users:impersonate acts as a user through OAuth 2.0 token exchange (RFC 8693)', async () => {
    concierge = remember(
      await createAccount(adminApi, {
        name: 'concierge',
        grants: [
          { actions: ['users:impersonate', 'events:publish'], units: '*', topics: '*' },
          { actions: ['units:write'], units: ['north'] },
        ],
      }),
    );
    conciergeToken = (await login(stack.anonymous, concierge)).body.accessToken;
    accessTokens.push(conciergeToken);
    const form = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: conciergeToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_subject: 'bob',
    });
    const res = await stack.anonymous.post('/oauth/token', form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(res.body.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
    assert.ok(res.body.expires_in > 0 && res.body.expires_in <= 900);
    bobToken = res.body.access_token;
    accessTokens.push(bobToken);
    const claims = await decodeJwt(bobToken);
    assert.equal(claims.sub, 'bob');
    assert.deepEqual(claims.act, { sub: concierge.id, name: 'concierge' });

    const bob = stack.anonymous.withToken(bobToken);
    const me = await bob.get('/v1/auth/me');
    assert.equal(me.body.kind, 'user');
    assert.equal(me.body.user.id, 'bob');
    // The account's grants, limited to the units Bob may see, without impersonation itself.
    assert.deepEqual(me.body.grants, [
      { actions: ['events:publish'], units: ['north-a'], topics: '*' },
      { actions: ['units:write'], units: ['north-a'], topics: '*' },
    ]);
    const inside = await bob.post('/v1/events', { topic: 'Visits.Planned', object: { type: 'visit', id: 'v1', unit: 'north-a-1' } });
    assert.equal(inside.status, 202, inside.text);
    assertProblem(await bob.post('/v1/events', { topic: 'Visits.Planned', object: { type: 'visit', id: 'v2', unit: 'south' } }), 403);
    const unit = await bob.post('/v1/units', { id: 'north-a-2', name: 'A2', parentId: 'north-a' });
    assert.equal(unit.status, 201, unit.text);
    assertProblem(await bob.post('/v1/units', { id: 'north-c', name: 'C', parentId: 'north' }), 404, 'north');
    const event = await eventually('the event in the log', async () => {
      const r = await stack.operator.get(`/v1/audit/events/${inside.body.id}?tenant=acme`);
      return r.status === 200 ? r.body : undefined;
    });
    assert.equal(event.publishedBy, `user:bob via account:${concierge.id}`);

    // JSON works too; the same rules apply.
    const json = await stack.anonymous.post('/oauth/token', { ...Object.fromEntries(form), requested_subject: 'carol' });
    assert.equal(json.status, 200, json.text);
    accessTokens.push(json.body.access_token);
  });

  it('token exchange refuses what it must', async () => {
    const exchange = (over: Record<string, string | undefined>) =>
      stack.anonymous.post(
        '/oauth/token',
        new URLSearchParams(
          Object.entries({
            grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
            subject_token: conciergeToken,
            subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
            requested_subject: 'bob',
            ...over,
          }).filter((e): e is [string, string] => e[1] !== undefined),
        ).toString(),
        { 'content-type': 'application/x-www-form-urlencoded' },
      );
    const cases: [Record<string, string | undefined>, string][] = [
      [{ grant_type: 'client_credentials' }, 'unsupported_grant_type'],
      [{ subject_token: undefined }, 'invalid_request'],
      [{ subject_token: 'not-a-token' }, 'invalid_request'],
      [{ subject_token: bobToken }, 'invalid_request'],
      [{ subject_token: stack.operatorToken }, 'invalid_request'],
      [{ requested_subject: undefined }, 'invalid_request'],
      [{ requested_subject: 'nobody' }, 'invalid_request'],
      [{ requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }, 'invalid_request'],
      [{ extra: 'x' }, 'invalid_request'],
    ];
    for (const [over, error] of cases) {
      const r = await exchange(over);
      assert.equal(r.status, 400, `${JSON.stringify(over)}: ${r.text}`);
      assert.equal(r.body.error, error, JSON.stringify(over));
      assert.equal(typeof r.body.error_description, 'string');
    }
    // Without users:impersonate: refused.
    const plain = remember(await createAccount(adminApi, { name: 'no-impersonation', grants: [{ actions: ['events:publish'], units: '*' }] }));
    const plainToken = (await login(stack.anonymous, plain)).body.accessToken;
    const refused = await exchange({ subject_token: plainToken });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'unauthorized_client');
    // users:impersonate limited to north cannot act as Dave, who sees everything.
    const northOnly = remember(await createAccount(adminApi, { name: 'north-concierge', grants: [{ actions: ['users:impersonate', 'events:publish'], units: ['north'] }] }));
    const northToken = (await login(stack.anonymous, northOnly)).body.accessToken;
    assert.equal((await exchange({ subject_token: northToken, requested_subject: 'bob' })).status, 200);
    assert.equal((await exchange({ subject_token: northToken, requested_subject: 'dave' })).body.error, 'unauthorized_client');
    assert.equal((await exchange({ subject_token: northToken, requested_subject: 'carol' })).body.error, 'unauthorized_client');
  });

  it('the change log records every write: who (user X through account Y), what, when, before and after', async () => {
    const changes = await eventually('the impersonated unit creation in the change log', async () => {
      const r = await adminApi.get('/v1/audit/changes?entity=unit&entityId=north-a-2');
      return r.status === 200 && r.body.data.length > 0 ? r.body.data : undefined;
    });
    assert.equal(changes.length, 1);
    const c = changes[0];
    assert.equal(c.action, 'created');
    assert.deepEqual(c.actor, { kind: 'user', userId: 'bob', userName: 'Bob', accountId: concierge.id, accountName: 'concierge' });
    assert.equal(c.by, `user Bob (bob) through account concierge (${concierge.id})`);
    assert.equal(c.before, null);
    assert.equal(c.after.path.join('/'), 'north/north-a/north-a-2');
    const impersonations = await eventually('the impersonation', async () => {
      const r = await adminApi.get('/v1/audit/changes?entity=user&entityId=bob');
      const found = r.body.data.filter((x: any) => x.action === 'impersonated');
      return found.length > 0 ? found : undefined;
    });
    assert.ok(impersonations.some((i: any) => i.actor.accountId === concierge.id && i.detail.jti && i.by === `account concierge (${concierge.id})`));
    const byConcierge = (await adminApi.get(`/v1/audit/changes?actor=account:${concierge.id}&limit=100`)).body.data;
    assert.ok(byConcierge.some((x: any) => x.entityId === 'north-a-2'), 'an account filter includes what it did as users');
    const asBob = (await adminApi.get('/v1/audit/changes?actor=user:bob')).body.data;
    assert.deepEqual(asBob.map((x: any) => x.entityId), ['north-a-2']);
    const moved = (await adminApi.get('/v1/audit/changes?entity=unit&entityId=north-b')).body.data;
    assert.deepEqual(moved.map((x: any) => x.action), ['updated', 'created'], 'newest first');
    assert.deepEqual(moved[0].before.path, ['north', 'north-b']);
    assert.deepEqual(moved[0].after.path, ['south', 'north-b']);
    assert.equal(moved[0].by, `account admin (${admin.id})`);
    const tenantCreated = (await stack.operator.get('/v1/audit/changes?tenant=acme&entity=tenant')).body.data;
    assert.equal(tenantCreated[0].by, 'operator');
    // Pages and time filters.
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await adminApi.get(`/v1/audit/changes?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      all.push(...page.body.data.map((x: any) => x.at));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(all, [...all].sort().reverse());
    assert.equal((await adminApi.get(`/v1/audit/changes?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).body.data.length, 0);
    assertProblem(await adminApi.get('/v1/audit/changes?actor=somebody'), 400, 'actor');
    assertProblem(await stack.operator.get('/v1/audit/changes'), 400, 'tenant');
  });

  it('disabling an account stops its tokens and its logins; a credential reset replaces both secrets', async () => {
    const worker = remember(await createAccount(adminApi, { name: 'worker', grants: [{ actions: ['units:read', 'logs:read'], units: '*' }] }));
    const { client } = await login(stack.anonymous, worker);
    assert.equal((await client.get('/v1/units')).status, 200);
    assert.equal((await client.get('/v1/audit/changes')).status, 200);
    assert.equal((await adminApi.patch(`/v1/accounts/${worker.id}`, { enabled: false })).status, 200);
    // The registry refuses at once; audit-log as soon as the change reaches it.
    assertProblem(await client.get('/v1/units'), 401);
    await eventually('audit-log refusing the disabled account', async () => (await client.get('/v1/audit/changes')).status === 401);
    assertProblem(await stack.anonymous.post('/v1/auth/login', { account: worker.id, token: worker.token, totp: await worker.nextCode() }), 403);
    const disabled = await adminApi.get('/v1/accounts?enabled=false');
    assert.deepEqual(disabled.body.data.map((a: { name: string }) => a.name), ['worker']);
    assert.equal((await adminApi.patch(`/v1/accounts/${worker.id}`, { enabled: true })).status, 200);

    const reset = await adminApi.post(`/v1/accounts/${worker.id}/credentials`);
    assert.equal(reset.status, 201, reset.text);
    const fresh = remember({ ...worker, token: reset.body.credentials.token, totpSecret: reset.body.credentials.totp.secret, nextCode: codeSource(reset.body.credentials.totp.secret) });
    assert.notEqual(fresh.token, worker.token);
    assertProblem(await stack.anonymous.post('/v1/auth/login', { account: worker.id, token: worker.token, totp: await fresh.nextCode() }), 401);
    const again = await login(stack.anonymous, fresh);
    assert.equal((await again.client.get('/v1/units')).status, 200);
    assert.equal((await adminApi.delete(`/v1/accounts/${worker.id}`)).status, 204);
    assertProblem(await again.client.get('/v1/units'), 401);
    assertProblem(await adminApi.get(`/v1/accounts/${worker.id}`), 404);
    const names = (await adminApi.get('/v1/accounts?limit=100')).body.data.map((a: { name: string }) => a.name);
    assert.ok(!names.includes('worker'));
    assert.deepEqual((await adminApi.get('/v1/accounts?q=CONCIERGE')).body.data.map((a: { name: string }) => a.name).sort(), ['concierge', 'north-concierge']);
    assert.ok((await adminApi.get('/v1/accounts?action=users:impersonate')).body.data.every((a: any) => a.grants.some((g: any) => g.actions.includes('users:impersonate'))));
  });

  it('repeated failures are throttled per account and per client address, with Retry-After', async () => {
    const victim = remember(await createAccount(adminApi, { name: 'victim', grants: [{ actions: ['units:read'], units: '*' }] }));
    // The registry trusts X-Forwarded-For from the local gateway; speaking to it directly, each test picks its address.
    const direct = new ApiClient(stack.services.registry.url);
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    for (let i = 0; i < 5; i++) {
      assertProblem(await direct.post('/v1/auth/login', { account: victim.id, token: victim.token, totp: '000000' }, from(`198.51.100.${i}`)), 401);
    }
    const blocked = await direct.post('/v1/auth/login', { account: victim.id, token: victim.token, totp: await victim.nextCode() }, from('198.51.100.99'));
    assertProblem(blocked, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) >= 1, 'Retry-After');

    // One address trying many accounts: blocked after 10 failures (the stack's setting), whoever it names.
    for (let i = 0; i < 10; i++) {
      assertProblem(await direct.post('/v1/auth/login', { account: '01900000-0000-7000-8000-00000000000' + (i % 10), token: 'hlk_0000000000000000.x', totp: '000000' }, from('203.0.113.7')), 401);
    }
    const ipBlocked = await direct.post('/v1/auth/login', { account: admin.id, token: admin.token, totp: '000000' }, from('203.0.113.7'));
    assertProblem(ipBlocked, 429);
    assert.ok(Number(ipBlocked.headers.get('retry-after')) >= 1);
    // Another address is not affected.
    const bystander = remember(await createAccount(adminApi, { name: 'bystander', grants: [{ actions: ['units:read'], units: '*' }] }));
    const other = await direct.post('/v1/auth/login', { account: bystander.id, token: bystander.token, totp: await bystander.nextCode() }, from('203.0.113.8'));
    assert.equal(other.status, 200, other.text);
  });

  it('the token and the TOTP secret are never readable again: not by the API, not in logs, not in the database or the stream', async () => {
    assert.ok(secrets.length >= 20);
    const texts: string[] = [];
    texts.push((await adminApi.get('/v1/accounts?limit=200')).text);
    for (const a of (await adminApi.get('/v1/accounts?limit=200')).body.data) texts.push((await adminApi.get(`/v1/accounts/${a.id}`)).text);
    let cursor: string | null = null;
    do {
      const page: any = await adminApi.get(`/v1/audit/changes?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      texts.push(page.text);
      cursor = page.body.nextCursor;
    } while (cursor);
    const api = texts.join('\n');
    assert.ok(api.includes('concierge') && api.includes('credentials-reset'), 'the texts searched are the real ones');
    for (const s of secrets) assert.ok(!api.includes(s), 'a secret in an API response');

    const logs = stack.allLogLines().join('\n');
    assert.ok(logs.includes('account logged in'));
    for (const s of [...secrets, ...accessTokens, stack.operatorToken]) assert.ok(!logs.includes(s), 'a secret or token in the logs');

    const dump = await dumpDatabase(stack.databaseUrl);
    assert.ok(dump.includes('-- accounts') && dump.includes('scrypt$'), 'the dump holds the accounts table');
    for (const s of secrets) assert.ok(!dump.includes(s), 'a secret in the database');
    for (const a of secrets.filter((s) => /^[A-Z2-7]{32}$/.test(s))) {
      const raw = OTPAuth.Secret.fromBase32(a).bytes;
      for (const enc of ['hex', 'base64', 'base64url'] as const) assert.ok(!dump.includes(Buffer.from(raw).toString(enc)), `the TOTP secret as ${enc} in the database`);
    }

    const nc = await connect({ servers: stack.nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info('HOOKLINE_REGISTRY');
      assert.ok(info.state.messages > 20);
      const consumer = await jetstream(nc).consumers.get('HOOKLINE_REGISTRY');
      const seen: string[] = [];
      while (seen.length < info.state.messages) {
        const m = await consumer.next({ expires: 2000 });
        if (!m) break;
        seen.push(m.string());
      }
      assert.equal(seen.length, info.state.messages);
      const stream = seen.join('\n');
      for (const s of secrets) assert.ok(!stream.includes(s), 'a secret in the registry stream');
    } finally {
      await nc.close();
    }
  });
});
