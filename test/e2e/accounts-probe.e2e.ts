// API accounts under hostile or unlucky timing, over real HTTP: an impersonation token
// after the account's right to impersonate that user has gone, a credential reset in the
// same second as a login, renames racing for one name, a burst of concurrent TOTP guesses,
// and the unit tree under concurrent moves and creates.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, assertProblem, codeSource, createAccount, login, startTestStack, type TestAccount, type TestStack } from '@hookline/testing';

const TENANT = 'probe';
const EXCHANGE = {
  grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
  subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
};

describe('API accounts: hostile timing and input', () => {
  let stack: TestStack;
  let admin: ApiClient;

  before(async () => {
    stack = await startTestStack({ services: ['registry'] });
    assert.equal((await stack.operator.post('/v1/tenants', { id: TENANT, name: 'Probe' })).status, 201);
    // north ── north-a      south
    for (const [id, parentId] of [['north'], ['north-a', 'north'], ['south']] as [string, string?][]) {
      const r = await stack.operator.post('/v1/units', { tenant: TENANT, id, name: id, ...(parentId ? { parentId } : {}) });
      assert.equal(r.status, 201, r.text);
    }
    const all = ['accounts:write', 'units:write', 'users:write', 'users:impersonate', 'events:publish', 'logs:read'];
    const root = await createAccount(stack.operator, { tenant: TENANT, name: 'root', grants: [{ actions: all, units: '*' }] });
    admin = (await login(stack.anonymous, root)).client;
  });
  after(async () => {
    await stack?.stop();
  });

  async function actAs(account: TestAccount, userId: string): Promise<ApiClient> {
    const { client } = await login(stack.anonymous, account);
    const res = await stack.anonymous.post('/oauth/token', { ...EXCHANGE, subject_token: client.token, requested_subject: userId });
    assert.equal(res.status, 200, res.text);
    return stack.anonymous.withToken(res.body.access_token);
  }

  it('an impersonation token stops working once users:impersonate no longer covers the user', async () => {
    const imp = await createAccount(admin, { name: 'impersonator', grants: [{ actions: ['users:impersonate', 'units:read'], units: '*' }] });
    assert.equal((await admin.post('/v1/users', { id: 'bob', displayName: 'Bob', units: ['south'] })).status, 201);
    const asBob = await actAs(imp, 'bob');
    assert.equal((await asBob.get('/v1/auth/me')).status, 200);
    assert.equal((await asBob.get('/v1/units/south')).status, 200);

    // The account may now impersonate only in north: acting as bob (south) is over.
    const narrowed = await admin.patch(`/v1/accounts/${imp.id}`, { grants: [{ actions: ['units:read'], units: '*' }, { actions: ['users:impersonate'], units: ['north'] }] });
    assert.equal(narrowed.status, 200, narrowed.text);
    assertProblem(await asBob.get('/v1/units/south'), 401);
    assertProblem(await asBob.get('/v1/auth/me'), 401);

    // A user the account may impersonate, who then comes to see more than it covers.
    assert.equal((await admin.post('/v1/users', { id: 'carol', displayName: 'Carol', units: ['north-a'] })).status, 201);
    const asCarol = await actAs(imp, 'carol');
    assert.equal((await asCarol.get('/v1/units/north-a')).status, 200);
    assert.equal((await admin.patch('/v1/users/carol', { units: '*' })).status, 200);
    assertProblem(await asCarol.get('/v1/units/south'), 401);
    assertProblem(await asCarol.get('/v1/auth/me'), 401);
    // Back within the account's reach, the token acts as carol again (nothing else changed).
    assert.equal((await admin.patch('/v1/users/carol', { units: ['north-a'] })).status, 200);
    assert.equal((await asCarol.get('/v1/units/north-a')).status, 200);
  });

  it('a user deleted and mirrored again does not bring back the tokens that acted as the one deleted', async () => {
    const imp = await createAccount(admin, { name: 'impersonator-2', grants: [{ actions: ['users:impersonate', 'units:read'], units: '*' }] });
    assert.equal((await admin.post('/v1/users', { id: 'dave', displayName: 'Dave', units: ['south'] })).status, 201);
    const asDave = await actAs(imp, 'dave');
    assert.equal((await asDave.get('/v1/units/south')).status, 200);
    assert.equal((await admin.delete('/v1/users/dave')).status, 204);
    assertProblem(await asDave.get('/v1/units/south'), 401);
    // Tokens carry whole seconds: the new dave is made in a later second than the token.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 10));
    assert.equal((await admin.post('/v1/users', { id: 'dave', displayName: 'Dave again', units: ['south'] })).status, 201);
    assertProblem(await asDave.get('/v1/units/south'), 401);
    assertProblem(await asDave.get('/v1/auth/me'), 401);
    const again = await actAs(imp, 'dave');
    assert.equal((await again.get('/v1/units/south')).status, 200, 'a token of the new dave works');
  });

  it('a credential reset ends the tokens issued before it, also within the same second', async () => {
    let account = await createAccount(admin, { name: 'rotated', grants: [{ actions: ['units:read'], units: '*' }] });
    for (let round = 0; round < 3; round++) {
      // Start at the beginning of a second, so that login and reset most likely share it
      // (access tokens carry whole seconds): that is the case being tried, not a condition of passing.
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
      const { client } = await login(stack.anonymous, account);
      const reset = await admin.post(`/v1/accounts/${account.id}/credentials`);
      assert.equal(reset.status, 201, reset.text);
      assertProblem(await client.get('/v1/units'), 401);
      assertProblem(await client.get('/v1/auth/me'), 401);
      const { credentials } = reset.body;
      account = { ...account, token: credentials.token, totpSecret: credentials.totp.secret, nextCode: codeSource(credentials.totp.secret) };
      const fresh = await login(stack.anonymous, account);
      assert.equal((await fresh.client.get('/v1/units')).status, 200, 'a login right after the reset works');
    }
  });

  it('renames racing for one name: one wins, the others are told 409, never a 500', async () => {
    for (let round = 0; round < 3; round++) {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await createAccount(admin, { name: `racer-${round}-${i}`, grants: [] })).id);
      const results = await Promise.all(ids.map((id) => admin.patch(`/v1/accounts/${id}`, { name: `winner-${round}` })));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409], results.map((r) => r.text).join('\n'));
      for (const r of results.filter((x) => x.status === 409)) assertProblem(r, 409);
    }
  });

  it('a burst of concurrent wrong codes is throttled as if they came one by one', async () => {
    const victim = await createAccount(admin, { name: 'victim', grants: [{ actions: ['units:read'], units: '*' }] });
    // Straight to the registry, each guess from an address of its own: only the account's limit (5) applies.
    const direct = new ApiClient(stack.services.registry.url);
    const guesses = await Promise.all(
      Array.from({ length: 24 }, (_, i) => direct.post('/v1/auth/login', { account: victim.id, token: victim.token, totp: String(100000 + i * 37) }, { 'x-forwarded-for': `198.51.100.${i + 1}` })),
    );
    const checked = guesses.filter((r) => r.status === 401).length;
    for (const r of guesses) assert.ok(r.status === 401 || r.status === 429, r.text);
    assert.ok(checked <= 5, `${checked} of 24 concurrent guesses were checked; the limit is 5 failures`);
    assertProblem(await direct.post('/v1/auth/login', { account: victim.id, token: victim.token, totp: await victim.nextCode() }, { 'x-forwarded-for': '198.51.100.200' }), 429);
  });

  it('a right login does not count against its address', async () => {
    const regular = await createAccount(admin, { name: 'regular', grants: [{ actions: ['units:read'], units: '*' }] });
    const direct = new ApiClient(stack.services.registry.url);
    const from = { 'x-forwarded-for': '203.0.113.50' };
    // The stack's per-address limit is 30 failures: 31 good logins from one address all pass.
    for (let i = 0; i < 31; i++) {
      const r = await direct.post('/v1/auth/login', { account: regular.id, token: regular.token, totp: await regular.nextCode() }, from);
      if (r.status !== 200) assert.fail(`login ${i + 1}: ${r.status} ${r.text}`);
      // Each code is used once: reset for a new secret rather than wait for the next step.
      const reset = await admin.post(`/v1/accounts/${regular.id}/credentials`);
      regular.token = reset.body.credentials.token;
      regular.nextCode = codeSource(reset.body.credentials.totp.secret);
    }
  });

  it('the unit tree stays consistent under concurrent moves and creates', async () => {
    for (const [id, parentId] of [['tx'], ['ty'], ['mv', 'tx'], ['mv-1', 'mv']] as [string, string?][]) {
      const r = await admin.post('/v1/units', { id, name: id, ...(parentId ? { parentId } : {}) });
      assert.equal(r.status, 201, r.text);
    }
    const moves = (async () => {
      const out: number[] = [];
      for (let i = 0; i < 8; i++) out.push((await admin.patch('/v1/units/mv', { parentId: i % 2 === 0 ? 'ty' : 'tx' })).status);
      return out;
    })();
    const creates = Promise.all(Array.from({ length: 16 }, (_, i) => admin.post('/v1/units', { id: `leaf-${i}`, name: `leaf ${i}`, parentId: 'mv-1' }).then((r) => r.status)));
    // Two units moved below each other at once: one move wins, the other is a cycle (400).
    for (const id of ['ca', 'cb']) assert.equal((await admin.post('/v1/units', { id, name: id })).status, 201);
    const swaps: number[][] = [];
    for (let i = 0; i < 4; i++) {
      const pair = await Promise.all([admin.patch('/v1/units/ca', { parentId: 'cb' }), admin.patch('/v1/units/cb', { parentId: 'ca' })]);
      swaps.push(pair.map((r) => r.status).sort());
      for (const id of ['ca', 'cb']) assert.equal((await admin.patch(`/v1/units/${id}`, { parentId: null })).status, 200);
    }
    assert.deepEqual(await moves, [200, 200, 200, 200, 200, 200, 200, 200]);
    assert.deepEqual(await creates, Array(16).fill(201));
    assert.deepEqual(swaps, Array(4).fill([200, 400]));

    const units = new Map<string, { parentId: string | null; path: string[] }>();
    let cursor: string | null = null;
    do {
      const page: any = await admin.get(`/v1/units?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      for (const u of page.body.data) units.set(u.id, u);
      cursor = page.body.nextCursor;
    } while (cursor);
    for (const [id, u] of units) {
      const expected = u.parentId === null ? [id] : [...(units.get(u.parentId)?.path ?? ['?']), id];
      assert.deepEqual(u.path, expected, `unit ${id}: its path does not follow its parent's`);
    }
  });
});
