// Inbound listeners under hostile input, over real HTTP: what a sample, an edited structure
// or a read filter may hold, and that each is either taken as data or refused with a 4xx
// naming the field, never answered 202 and then lost, and never silently ignored; and that
// a record's changes leave the tables as applying them in order would, however the apply
// batches them (a long linger here, so that changes sent together share a batch).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, createListener, eventually, listenerTenant, recordsWhen, startTestStack, TestListener, TestStack } from '@hookline/testing';

const TENANT = 'inbound-probe';

describe('inbound listeners: hostile samples, structures and filters', () => {
  let stack: TestStack;
  let serviceId: string;
  let listener: TestListener;

  async function send(l: TestListener, body: string, method = 'POST', path = '') {
    const res = await fetch(`${stack.url}${l.path}${path}`, { method, headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, text: await res.text() };
  }

  before(async () => {
    stack = await startTestStack({ env: { HOOKLINE_LISTENER_APPLY_LINGER: '1500ms' } });
    ({ serviceId } = await listenerTenant(stack.operator, TENANT));
    listener = await createListener(stack.operator, TENANT, serviceId, { name: 'probe-orders', sample: { id: 1, items: [{ n: 1 }] } });
  });
  after(async () => {
    await stack?.stop();
  });

  it('generate-tables takes sample keys named __proto__, constructor, prototype and toString as data, and the tables store them', async () => {
    // Raw JSON text: a JavaScript object literal would make "__proto__" its prototype.
    const sample = '{"id":1,"constructor":"ACME","prototype":"v2","toString":"t","__proto__":{"city":"Oslo"}}';
    const gen = await stack.operator.post('/v1/listeners/generate-tables', `{"tenant":"${TENANT}","baseName":"protokeys","sample":${sample}}`);
    assert.equal(gen.status, 200, gen.text);
    const columns = gen.body.structure.tables[0].columns.map((c: { name: string; source: string[] }) => [c.name, c.source.join('.')]);
    assert.deepEqual(columns, [
      ['id', 'id'],
      ['constructor', 'constructor'],
      ['prototype', 'prototype'],
      ['tostring', 'toString'],
      ['proto_city', '__proto__.city'],
    ]);
    const created = await stack.operator.post('/v1/listeners', { tenant: TENANT, serviceId, name: 'protokeys', structure: gen.body.structure });
    assert.equal(created.status, 201, created.text);
    const l: TestListener = { tenant: TENANT, serviceId, id: created.body.listener.id, name: 'protokeys', path: created.body.listener.path, body: created.body };
    assert.equal((await send(l, sample)).status, 202);
    const [r] = await recordsWhen(stack.operator, l, (rows) => rows.length === 1, 'the record applied');
    assert.deepEqual({ ...r.row, last_modified: undefined }, { id: 1, constructor: 'ACME', prototype: 'v2', tostring: 't', proto_city: 'Oslo', last_modified: undefined });
  });

  it('a structure whose column keeps the whole element (source []) as anything but jsonb is a 400 naming its type, not records answered 202 and lost', async () => {
    const structure = {
      baseName: 'elements',
      rootPath: [],
      primaryKey: ['id'],
      tables: [
        { name: 'elements', parent: null, path: [], columns: [{ name: 'id', source: ['id'], type: 'numeric' }] },
        { name: 'elements_items', parent: 'elements', path: ['items'], columns: [{ name: 'value', source: [], type: 'numeric' }], keyColumns: ['_root_id'], positionColumns: ['_pos1'] },
      ],
    };
    assertProblem(await stack.operator.post('/v1/listeners', { tenant: TENANT, serviceId, name: 'elements', structure }), 400, 'structure.tables[1].columns[0].type');
    assertProblem(await stack.operator.put(`/v1/listeners/${listener.id}/structure?tenant=${TENANT}`, { structure }), 400, 'structure.tables[1].columns[0].type');
    // As jsonb, the element is stored whole.
    structure.tables[1].columns[0].type = 'jsonb';
    const created = await stack.operator.post('/v1/listeners', { tenant: TENANT, serviceId, name: 'elements', structure });
    assert.equal(created.status, 201, created.text);
    const l: TestListener = { tenant: TENANT, serviceId, id: created.body.listener.id, name: 'elements', path: created.body.listener.path, body: created.body };
    assert.equal((await send(l, '{"id":1,"items":[{"a":1}]}')).status, 202);
    const [r] = await recordsWhen(stack.operator, l, (rows) => rows.length === 1, 'the record applied');
    assert.deepEqual(r.children.elements_items, [{ _pos1: 1, value: { a: 1 } }]);
  });

  it('a record filter key.__proto__ (or any name that is not a key column) is a 400 naming it, not ignored', async () => {
    assert.equal((await send(listener, '{"id":1,"items":[]}')).status, 202);
    assert.equal((await send(listener, '{"id":2,"items":[]}')).status, 202);
    await recordsWhen(stack.operator, listener, (rows) => rows.length === 2, 'both records applied');
    for (const name of ['__proto__', 'constructor', 'nope']) {
      assertProblem(await stack.operator.get(`/v1/listener-records/${listener.id}?tenant=${TENANT}&key.${name}=1`), 400, `key.${name}`);
    }
    const one = await stack.operator.get(`/v1/listener-records/${listener.id}?tenant=${TENANT}&key.id=2`);
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(
      one.body.data.map((d: { row: { id: number } }) => d.row.id),
      [2],
    );
  });

  it('changes of a record applied in one batch leave it as applying them in order would: a jsonb column patched, a cleared object patched', async () => {
    const l = await createListener(stack.operator, TENANT, serviceId, {
      name: 'probe-people',
      sample: { id: 1, meta: {}, address: { city: 'c', zip: 'z' } },
      settings: { bodyDedupSeconds: 0 },
    });
    assert.deepEqual(
      l.body.listener.structure.tables[0].columns.map((c: { name: string; type: string }) => `${c.name}:${c.type}`),
      ['id:numeric', 'meta:jsonb', 'address_city:text', 'address_zip:text'],
    );
    assert.equal((await send(l, '{"id":2,"address":{"city":"Oslo","zip":"0150"}}')).status, 202);
    await recordsWhen(stack.operator, l, (rows) => rows.length === 1, 'record 2 applied');
    // The first change reaches an idle listener and is applied at once; the ones right after
    // it wait for the linger, together.
    const sent = [
      await send(l, '{"id":9}'),
      await send(l, '{"id":1,"meta":{"a":1}}'),
      await send(l, '{"meta":{"b":2}}', 'PATCH', '/1'),
      await send(l, '{"address":null}', 'PATCH', '/2'),
      await send(l, '{"address":{"city":"Bergen"}}', 'PATCH', '/2'),
    ];
    assert.deepEqual(sent.map((r) => r.status), [202, 202, 202, 202, 202], JSON.stringify(sent));
    const rows = await recordsWhen(stack.operator, l, (r) => r.length === 3 && r.some((x) => x.row.id === 1 && x.row.meta?.b === 2) && r.some((x) => x.row.id === 2 && x.row.address_city === 'Bergen'), 'the changes applied');
    const byId = Object.fromEntries(rows.map((r) => [r.row.id, { ...r.row, last_modified: undefined }]));
    // POST meta {a:1} then PATCH meta {b:2}: the column holds {b:2}, not a merge of both.
    assert.deepEqual(byId[1], { id: 1, meta: { b: 2 }, address_city: null, address_zip: null, last_modified: undefined });
    // PATCH address null (clears city and zip) then PATCH address {city}: zip stays cleared.
    assert.deepEqual(byId[2], { id: 2, meta: null, address_city: 'Bergen', address_zip: null, last_modified: undefined });
  });

  it('a sample or a structure with thousands of problems is a 400 listing the first ones, not an answer many times the request', async () => {
    const sample = Object.fromEntries([['id', 1], ...Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])]);
    const gen = await stack.operator.post('/v1/listeners/generate-tables', { tenant: TENANT, baseName: 'wide', sample });
    assertProblem(gen, 400, 'sample');
    assert.deepEqual(gen.body.errors, [{ field: 'sample', message: 'table wide would have more than 600 columns; choose a root path or a smaller sample' }]);
    const columns = [{ name: 'id', source: ['id'], type: 'numeric' }, ...Array.from({ length: 600 }, (_, i) => ({ name: `Bad${i}`, source: [`b${i}`], type: 'text' }))];
    const structure = { baseName: 'bad', rootPath: [], primaryKey: ['id'], tables: [{ name: 'bad', parent: null, path: [], columns }] };
    const put = await stack.operator.put(`/v1/listeners/${listener.id}/structure?tenant=${TENANT}`, { structure });
    assertProblem(put, 400, 'structure.tables[0].columns[1].name');
    assert.ok(put.body.errors.length <= 21, `${put.body.errors.length} problems listed`);
    assert.ok(put.text.length < JSON.stringify({ structure }).length, `a ${put.text.length}-byte answer`);
  });
  it('a boolean key is addressed in the path as in the query: PATCH and DELETE …/true', async () => {
    const l = await createListener(stack.operator, TENANT, serviceId, { name: 'probe-flags', sample: { id: true, v: 'x' } });
    assert.equal((await send(l, '{"id":true,"v":"x"}')).status, 202);
    const patched = await send(l, '{"v":"y"}', 'PATCH', '/true');
    assert.equal(patched.status, 202, patched.text);
    await recordsWhen(stack.operator, l, (rows) => rows.length === 1 && rows[0].row.v === 'y', 'the patch applied');
    const deleted = await send(l, '', 'DELETE', '/true');
    assert.equal(deleted.status, 202, deleted.text);
    await recordsWhen(stack.operator, l, (rows) => rows.length === 0, 'the record deleted');
    assertProblem(await stack.anonymous.delete(`${l.path}/yes`), 400, 'recordId');
  });
});

describe('inbound listeners while PostgreSQL is down', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ ownPostgres: true });
    assert.ok(stack.postgres, 'the stack runs a PostgreSQL of its own');
  });
  after(async () => {
    await stack?.stop();
  });

  it('a PATCH or DELETE, which must look the record up, is a 503 with Retry-After (send it again), not a 500', async () => {
    const { serviceId } = await listenerTenant(stack.operator, TENANT);
    const l = await createListener(stack.operator, TENANT, serviceId, { name: 'probe-outage', sample: { id: 1, v: 'x' } });
    const pg = stack.postgres;
    assert.ok(pg);
    const during: { method: string; status: number; type: string | null; retryAfter: string | null; text: string }[] = [];
    await pg.stop();
    try {
      // Records no request ever sent: nothing on the stream says they exist, so the tables are asked.
      for (const [method, suffix, body] of [['PATCH', '/41', '{"v":"y"}'], ['DELETE', '/42', undefined]] as const) {
        const res = await fetch(`${stack.url}${l.path}${suffix}`, { method, headers: { 'content-type': 'application/json' }, body });
        during.push({ method, status: res.status, type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), text: await res.text() });
      }
    } finally {
      await pg.start();
    }
    for (const d of during) {
      assert.equal(d.status, 503, `${d.method} while PostgreSQL was down: ${d.status} ${d.text}`);
      assert.match(d.type ?? '', /^application\/problem\+json/);
      assert.ok(Number(d.retryAfter) > 0, `${d.method}: Retry-After ${d.retryAfter}`);
    }
    // Once it is back, the same request is answered as usual (the record does not exist).
    await eventually('PostgreSQL back for the ingest', async () => (await fetch(`${stack.url}${l.path}/42`, { method: 'DELETE' })).status === 404, 30_000);
  });
});

