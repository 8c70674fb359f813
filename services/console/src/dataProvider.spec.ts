// The data provider against a recorded fake of the API (fetch stubbed; a unit test):
// cursors, the operator's tenant, wrapped answers, problem+json, no empty PATCH.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cursors, dataProvider } from './dataProvider';
import { endSession, startSession, switchTenant } from './session';

interface Call {
  method: string;
  url: string;
  body?: unknown;
  auth?: string;
}

const store = new Map<string, string>();
(globalThis as { sessionStorage?: unknown }).sessionStorage = {
  getItem: (k: string) => store.get(k) ?? null,
  setItem: (k: string, v: string) => void store.set(k, v),
  removeItem: (k: string) => void store.delete(k),
};

let calls: Call[] = [];
let answers: { status: number; body?: unknown }[] = [];
const realFetch = globalThis.fetch;

beforeEach(() => {
  calls = [];
  answers = [];
  cursors.clear();
  globalThis.fetch = (async (url: string, init: RequestInit) => {
    calls.push({ method: init.method ?? 'GET', url, body: init.body ? JSON.parse(String(init.body)) : undefined, auth: (init.headers as Record<string, string>).authorization });
    const a = answers.shift() ?? { status: 200, body: { data: [], nextCursor: null } };
    const problem = a.status >= 400;
    return new Response(a.body === undefined ? null : JSON.stringify(a.body), { status: a.status, headers: { 'content-type': problem ? 'application/problem+json' : 'application/json' } });
  }) as typeof fetch;
});
afterEach(() => {
  globalThis.fetch = realFetch;
  endSession();
});

const asOperator = (tenant = 'acme') => {
  startSession({ kind: 'operator', token: 'op_secret', me: { kind: 'operator' } });
  switchTenant(tenant);
};
const asAccount = () => startSession({ kind: 'account', token: 'eyJ.access', expiresAt: new Date(Date.now() + 60_000).toISOString(), tenant: 'acme', me: { kind: 'account', grants: [] } });

describe('dataProvider', () => {
  it('pages forward and back with the cursors the API handed out, filters as query parameters', async () => {
    asOperator();
    answers.push({ status: 200, body: { data: [{ id: 'd1' }], nextCursor: 'c2' } }, { status: 200, body: { data: [{ id: 'd2' }], nextCursor: null } }, { status: 200, body: { data: [{ id: 'd1' }], nextCursor: 'c2' } });
    const filter = { status: 'failed', topic: '' };
    const p1 = await dataProvider.getList('deliveries', { pagination: { page: 1, perPage: 1 }, sort: { field: 'id', order: 'ASC' }, filter });
    assert.deepEqual(p1.pageInfo, { hasNextPage: true, hasPreviousPage: false });
    const p2 = await dataProvider.getList('deliveries', { pagination: { page: 2, perPage: 1 }, sort: { field: 'id', order: 'ASC' }, filter });
    assert.deepEqual(p2.pageInfo, { hasNextPage: false, hasPreviousPage: true });
    await dataProvider.getList('deliveries', { pagination: { page: 1, perPage: 1 }, sort: { field: 'id', order: 'ASC' }, filter });
    assert.deepEqual(
      calls.map((c) => c.url),
      ['/v1/deliveries?tenant=acme&status=failed&limit=1', '/v1/deliveries?tenant=acme&status=failed&limit=1&cursor=c2', '/v1/deliveries?tenant=acme&status=failed&limit=1'],
    );
    assert.equal(calls[0].auth, 'Bearer op_secret');
  });

  it('an account sends its access token and no tenant; records get their id', async () => {
    asAccount();
    answers.push({ status: 200, body: { data: [{ name: 'Orders.Paid' }], nextCursor: null } });
    const r = await dataProvider.getList('topics', { pagination: { page: 1, perPage: 50 }, sort: { field: 'id', order: 'ASC' }, filter: {} });
    assert.equal(calls[0].url, '/v1/topics?limit=50');
    assert.equal(calls[0].auth, 'Bearer eyJ.access');
    assert.equal(r.data[0].id, 'Orders.Paid');
  });

  it('a create puts the tenant in the body, and hands what is shown once to the screen, not the cache', async () => {
    asOperator();
    answers.push({ status: 201, body: { receiver: { id: 'r1', name: 'CRM' }, secret: 'whsec_x' } });
    let shown: unknown;
    const r = await dataProvider.create('receivers', { data: { name: 'CRM' }, meta: { onSecret: (x: unknown) => (shown = x) } });
    assert.deepEqual(calls[0], { method: 'POST', url: '/v1/receivers', body: { tenant: 'acme', name: 'CRM' }, auth: 'Bearer op_secret' });
    assert.deepEqual(r.data, { id: 'r1', name: 'CRM' });
    assert.deepEqual(shown, { secret: 'whsec_x' });
  });

  it('an update sends only what changed (null for a cleared field), and nothing when nothing did', async () => {
    asOperator();
    answers.push({ status: 200, body: { id: 'u1', name: 'Oslo 2', parentId: null } });
    await dataProvider.update('units', { id: 'u1', data: { id: 'u1', name: 'Oslo 2', parentId: '' }, previousData: { id: 'u1', name: 'Oslo', parentId: 'north' } });
    assert.deepEqual(calls[0], { method: 'PATCH', url: '/v1/units/u1?tenant=acme', body: { name: 'Oslo 2', parentId: null }, auth: 'Bearer op_secret' });
    const same = await dataProvider.update('units', { id: 'u1', data: { id: 'u1', name: 'Oslo' }, previousData: { id: 'u1', name: 'Oslo' } });
    assert.equal(calls.length, 1, 'no request');
    assert.deepEqual(same.data, { id: 'u1', name: 'Oslo' });
  });

  it("a problem's field errors come back where react-admin's forms look for them", async () => {
    asOperator();
    answers.push({ status: 400, body: { title: 'Invalid request', detail: 'topics: Nope.Topic is not in the catalogue', errors: [{ field: 'topics', message: 'Nope.Topic is not in the catalogue' }] } });
    await assert.rejects(dataProvider.create('receivers', { data: { topics: ['Nope.Topic'] } }), (err: { status: number; message: string; body: { errors: Record<string, unknown> } }) => {
      assert.equal(err.status, 400);
      assert.equal(err.message, 'topics: Nope.Topic is not in the catalogue');
      assert.equal(err.body.errors.topics, 'Nope.Topic is not in the catalogue');
      return true;
    });
  });

  it('ids go into paths encoded; a delete without a body answers the record it had', async () => {
    asOperator();
    answers.push({ status: 204 });
    const r = await dataProvider.delete('push-types', { id: 'a/b', previousData: { id: 'a/b', type: 'a/b' } });
    assert.equal(calls[0].url, '/v1/push/types/a%2Fb?tenant=acme');
    assert.deepEqual(r.data, { id: 'a/b', type: 'a/b' });
  });
});
