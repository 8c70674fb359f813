// Answers that a first read of the API reference found wrong (docs/api.md), kept right:
// an id that is no UUID is a 404 (it was a 500), a list of receivers pages on for a
// caller who sees only some of them, an OAuth2 receiver without its fields says they
// are required, and a push flag answers the same 403 whether or not a unit outside
// one's grants exists.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, createAccount, login, startTestStack, TestStack } from '@hookline/testing';

const TENANT = 'answers';

describe('API answers', () => {
  let stack: TestStack;
  let receivingId: string;

  before(async () => {
    stack = await startTestStack();
    assert.equal((await stack.operator.post('/v1/tenants', { id: TENANT, name: 'Answers' })).status, 201);
    for (const name of ['Accounts.Update', 'Visits.Done']) assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name })).status, 201);
    assert.equal((await stack.operator.post('/v1/units', { tenant: TENANT, id: 'north', name: 'North' })).status, 201);
    assert.equal((await stack.operator.post('/v1/units', { tenant: TENANT, id: 'south', name: 'South' })).status, 201);
    receivingId = (await createAccount(stack.operator, { tenant: TENANT, name: 'receiving', grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] })).id;
  });
  after(async () => {
    await stack?.stop();
  });

  it('an event id that is no UUID is a 404, not a 500', async () => {
    for (const id of ['a'.repeat(36), '-'.repeat(36), 'x']) assertProblem(await stack.operator.get(`/v1/audit/events/${id}?tenant=${TENANT}`), 404);
  });

  it('a caller who sees some receivers gets every one of them, page by page', async () => {
    const make = async (name: string, topic: string) => {
      const res = await stack.operator.post('/v1/receivers', { tenant: TENANT, name, url: 'https://example.com/h', topics: [topic], accountId: receivingId, auth: { protocol: 'none' } });
      assert.equal(res.status, 201, res.text);
      return res.body.receiver.id as string;
    };
    // Newest first: seen-1, hidden x3, seen-2 (the page boundary falls on hidden ones).
    const seen2 = await make('seen-2', 'Accounts.Update');
    for (let i = 0; i < 3; i++) await make(`hidden-${i}`, 'Visits.Done');
    const seen1 = await make('seen-1', 'Accounts.Update');
    const narrow = await createAccount(stack.operator, { tenant: TENANT, name: 'narrow', grants: [{ actions: ['receivers:read'], units: '*', topics: ['Accounts.*'] }] });
    const client = (await login(stack.anonymous, narrow)).client;
    const got: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { data: { id: string }[]; nextCursor: string | null } } = await client.get(`/v1/receivers?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200);
      got.push(...page.body.data.map((r) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(got, [seen1, seen2]);
  });

  it('an OAuth2 receiver without its fields is told they are required', async () => {
    const res = await stack.operator.post('/v1/receivers', { tenant: TENANT, name: 'o', url: 'https://example.com/h', topics: ['Accounts.Update'], accountId: receivingId, auth: { protocol: 'oauth2' } });
    assertProblem(res, 400, 'auth.tokenUrl');
    assert.match(res.body.detail, /tokenUrl is required with protocol oauth2/);
  });

  it('a push flag for a unit outside one’s grants is a 403 whether or not the unit exists', async () => {
    assert.equal((await stack.operator.post('/v1/push/types', { tenant: TENANT, type: 'visit.done', topic: 'Visits.Done' })).status, 201);
    const northAdmin = await createAccount(stack.operator, { tenant: TENANT, name: 'north-admin', grants: [{ actions: ['push:write'], units: ['north'] }] });
    const client = (await login(stack.anonymous, northAdmin)).client;
    const existing = await client.put('/v1/push/types/visit.done/enabled', { enabled: true, unit: 'south' });
    const missing = await client.put('/v1/push/types/visit.done/enabled', { enabled: true, unit: 'nowhere' });
    assertProblem(existing, 403);
    assertProblem(missing, 403);
    assert.equal((await client.put('/v1/push/types/visit.done/enabled', { enabled: true, unit: 'north' })).status, 200);
    // The operator, who could set it anywhere, learns that it does not exist.
    assertProblem(await stack.operator.put(`/v1/push/types/visit.done/enabled?tenant=${TENANT}`, { enabled: true, unit: 'nowhere' }), 404);
  });

  it('a secret rotation takes overlapSeconds as a JSON integer only (a string or a fraction is a 400 naming it)', async () => {
    const res = await stack.operator.post('/v1/receivers', { tenant: TENANT, name: 'rotating', url: 'https://example.com/h', topics: ['Accounts.Update'], accountId: receivingId, auth: { protocol: 'websub' } });
    assert.equal(res.status, 201, res.text);
    const id = res.body.receiver.id as string;
    for (const overlapSeconds of ['60', 1.5, true, null]) {
      assertProblem(await stack.operator.post(`/v1/receivers/${id}/rotate-secret?tenant=${TENANT}`, { overlapSeconds }), 400, 'overlapSeconds');
    }
    assert.equal((await stack.operator.post(`/v1/receivers/${id}/rotate-secret?tenant=${TENANT}`, { overlapSeconds: 60 })).status, 201);
  });

  it('an account\'s grants are objects: a nested list is a 400 naming grants, and nothing is stored', async () => {
    for (const grants of [[[]], [[{ actions: ['logs:read'], units: '*' }]]]) {
      assertProblem(await stack.operator.post('/v1/accounts', { tenant: TENANT, name: 'nested-grants', grants }), 400, 'grants');
    }
    const listed = await stack.operator.get(`/v1/accounts?tenant=${TENANT}&limit=100`);
    assert.equal(listed.status, 200);
    assert.ok(!listed.body.data.some((a: { name: string }) => a.name === 'nested-grants'));
  });

  it('a JSON body in another charset than UTF-8 is a 415 naming the body (a one-byte body read as UTF-16 was taken for an empty PATCH)', async () => {
    const patch = (type: string, body: string) =>
      fetch(`${stack.url}/v1/units/north?tenant=${TENANT}`, { method: 'PATCH', headers: { authorization: `Bearer ${stack.operatorToken}`, 'content-type': type }, body });
    for (const [type, body] of [['application/json; charset=utf-16', '{'], ['application/json; charset=utf-16', '{"name":"N"}'], ['application/json;charset="latin1"', '{"name":"N"}']]) {
      const res = await patch(type, body);
      assert.equal(res.status, 415, `${type} ${body}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.deepEqual(((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field), ['body']);
    }
    assert.equal((await patch('application/json; charset=UTF-8', '{"name":"North"}')).status, 200);
  });

  it('a request whose headers exceed 16 KB is a problem+json 431, from the gateway and from a service', async () => {
    for (const base of [stack.url, stack.services.registry.url]) {
      const res = await fetch(`${base}/v1/units?tenant=${TENANT}`, { headers: { authorization: `Bearer ${stack.operatorToken}`, 'x-filler': 'a'.repeat(20_000) } });
      assert.equal(res.status, 431, base);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const body = (await res.json()) as { status: number; title: string };
      assert.equal(body.status, 431);
      assert.equal(typeof body.title, 'string');
    }
  });
});
