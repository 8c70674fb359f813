// Fuzzing (fast-check) inbound listeners over real HTTP: hostile keys and shapes (quotes,
// semicolons, "__proto__", 200-character and unicode keys, deep nesting, wide objects,
// long strings, wrong types), methods, content types and encodings sent to the ingest
// route, and hostile samples to generate-tables whose proposals are then accepted. The
// rules: never a 5xx; every request answered 202 applied (the apply consumer drains, nothing
// is dead-lettered, each is in the listener's log as applied, with its records); and never
// a table outside the tenant's schema.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { Client } from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { CONSUMERS, STREAMS } from '@hookline/contracts';
import { allRecords, createListener, eventually, listenerTenant, startTestStack, TestListener, TestStack } from '@hookline/testing';

const TENANT = 'fuzz-in';
const ALLOWED = new Set([202, 400, 401, 404, 405, 409, 413, 415, 422]);

const hostileKey = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'name', 'lines', '+1', '-1', 'a.b', 'org.opencontainers.image.url', '"; DROP TABLE listeners; --', "'", ';', '\u0000', 'last_modified', '_root_id', 'k'.repeat(200)),
  },
);
const leaf = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constantFrom('2026-01-31T12:00:00Z', '9999-99-99T99:99:99Z', 'x'.repeat(5000)));
const { value: jsonValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 6 }, leaf, tie('object'), tie('array')),
  object: fc.dictionary(hostileKey, tie('value'), { maxKeys: 6 }),
  array: fc.array(tie('value'), { maxLength: 4 }),
}));
/** Records shaped like the listener's (so many get past the key check) mixed with anything. */
const record = fc.oneof(
  fc.record({ id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null)), name: jsonValue, lines: fc.oneof(fc.array(fc.dictionary(hostileKey, leaf, { maxKeys: 4 }), { maxLength: 3 }), jsonValue) }, { requiredKeys: [] }),
  jsonValue,
);
/** Records that fit the listener's tables, so that a good share of the run is answered 202 (and checked as applied). */
const fitting = fc.record(
  { id: fc.integer({ min: -5, max: 50 }), name: fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 10 }), fc.constant(null)), lines: fc.array(fc.record({ sku: fc.string({ maxLength: 8 }), qty: fc.integer() }), { maxLength: 3 }) },
  { requiredKeys: ['id'] },
);
const deep = fc.integer({ min: 20, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n));
const wide = fc.integer({ min: 100, max: 20_000 }).map((n) => `{"id":1,${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`);

describe('fuzzing inbound listeners (fast-check)', () => {
  let stack: TestStack;
  let serviceId: string;
  let l: TestListener;
  let db: Client;
  let tablesBefore: string[];

  const outside = async () =>
    (await db.query("SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema NOT IN ('tenant_fuzz-in', 'pg_catalog', 'information_schema') ORDER BY 1")).rows.map((r) => r.t as string);
  const inTenant = async () => (await db.query("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'tenant_fuzz-in' ORDER BY 1")).rows.map((r) => r.t as string);

  /** Every entry of the listener's webhook log (all pages). */
  async function logEntries(listenerId: string): Promise<{ requestId: string | null; status: number; state: string; records: number; error: string | null }[]> {
    const out = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; text: string; body: any } = await stack.operator.get(`/v1/listener-logs?tenant=${TENANT}&listenerId=${listenerId}&state=all&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(page.status, 200, page.text);
      out.push(...page.body.data);
      cursor = page.body.nextCursor;
    } while (cursor);
    return out;
  }

  before(async () => {
    stack = await startTestStack();
    ({ serviceId } = await listenerTenant(stack.operator, TENANT));
    l = await createListener(stack.operator, TENANT, serviceId, {
      name: 'fuzzed',
      sample: { id: 1, name: 'n', lines: [{ sku: 's', qty: 1 }] },
      // Room in the log for every request of the run: each 202 is checked there.
      settings: { auth: { method: 'token', location: { in: 'header', name: 'x-token' } }, keepLogs: 10_000 },
    });
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    tablesBefore = await outside();
  });
  after(async () => {
    await db?.end();
    await stack?.stop();
  });

  it('the ingest route never answers 5xx, and applies every request it answers 202', async (t) => {
    const tenantTables = await inTenant();
    /** Request id -> records, of each request answered 202 (a duplicate names the first). */
    const accepted = new Map<string, number>();
    const body = fc.oneof(
      { weight: 6, arbitrary: fc.oneof(record, fc.array(record, { maxLength: 4 })).map((v) => JSON.stringify(v) ?? 'null') },
      { weight: 4, arbitrary: fc.oneof(fitting, fc.array(fitting, { minLength: 1, maxLength: 4 })).map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: deep },
      { weight: 1, arbitrary: wide },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"polluted":true},"id":1}', '{"id":1,"constructor":{"prototype":{"x":1}}}', '{"id":"\\u0000"}', '{"id":1,"name":"\\ud800"}', '', '{"id":1e999}') },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'GET'),
        fc.constantFrom('', '/1', '/%00', `/${'9'.repeat(500)}`, '?id=1', '?id=abc&id=2'),
        body,
        fc.constantFrom('application/json', 'application/vnd.x+json; charset=utf-8', 'text/plain', ''),
        fc.constantFrom('identity', 'gzip', 'gzip-lie'),
        fc.boolean(),
        async (method, suffix, text, contentType, encoding, goodToken) => {
          const raw = Buffer.from(text);
          const payload = encoding === 'gzip' ? gzipSync(raw) : raw;
          const headers: Record<string, string> = { 'x-token': goodToken ? (l.token as string) : 'hlt_bad' };
          if (contentType) headers['content-type'] = contentType;
          if (encoding !== 'identity') headers['content-encoding'] = 'gzip';
          const res = await fetch(`${stack.url}${l.path}${suffix}`, { method, headers, body: method === 'GET' ? undefined : payload });
          const answer = await res.text();
          assert.ok(ALLOWED.has(res.status), `${method} ${suffix} ${contentType} ${encoding}: ${res.status} ${answer.slice(0, 300)}`);
          if (res.status !== 202) assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
          else {
            const a = JSON.parse(answer) as { requestId: string; records: number; duplicate: boolean };
            if (a.duplicate) assert.equal(accepted.get(a.requestId), a.records, `a duplicate names a request answered 202 before: ${answer}`);
            else accepted.set(a.requestId, a.records);
          }
        },
      ),
      { numRuns: 250 },
    );
    // Then requests that mostly pass the route, token and media checks (so that many are
    // answered 202, and PATCH and DELETE meet records that exist): applied, all of them.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'),
        fc.constantFrom('', '', '/1', '/2', '?id=3'),
        fc.oneof({ weight: 3, arbitrary: fc.oneof(fitting, fc.array(fitting, { minLength: 1, maxLength: 4 })).map((v) => JSON.stringify(v)) }, { weight: 1, arbitrary: record.map((v) => JSON.stringify(v) ?? 'null') }),
        fc.boolean(),
        async (method, suffix, text, gzip) => {
          const headers: Record<string, string> = { 'x-token': l.token as string, 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) };
          const res = await fetch(`${stack.url}${l.path}${suffix}`, { method, headers, body: gzip ? gzipSync(Buffer.from(text)) : text });
          const answer = await res.text();
          assert.ok([202, 400, 404].includes(res.status), `${method} ${suffix} ${text.slice(0, 200)}: ${res.status} ${answer.slice(0, 300)}`);
          if (res.status === 202) {
            const a = JSON.parse(answer) as { requestId: string; records: number; duplicate: boolean };
            if (a.duplicate) assert.equal(accepted.get(a.requestId), a.records, `a duplicate names a request answered 202 before: ${answer}`);
            else accepted.set(a.requestId, a.records);
          }
        },
      ),
      { numRuns: 150 },
    );
    // The service is still healthy and serving.
    const ok = await fetch(`${stack.url}${l.path}`, { method: 'POST', headers: { 'x-token': l.token as string, 'content-type': 'application/json' }, body: JSON.stringify({ id: 424242, name: 'after fuzzing' }) });
    assert.equal(ok.status, 202);
    const last = (await ok.json()) as { requestId: string; records: number };
    accepted.set(last.requestId, last.records);

    // Everything answered 202 was applied: the apply consumer has drained, gave up on nothing,
    const nc = await connect({ servers: stack.nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      await eventually('the apply consumer drained', async () => {
        const info = await jsm.consumers.info(CONSUMERS.listenerApply.stream, CONSUMERS.listenerApply.durable);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      }, 60_000);
      const dead = await jsm.streams.info(STREAMS.deadLetter.name, { subjects_filter: '>' });
      assert.equal(dead.state.messages, 0, `dead-lettered: ${JSON.stringify(dead.state.subjects ?? {})}`);
    } finally {
      await nc.close();
    }
    // and each such request is in the listener's log as applied (the apply writes that entry
    // with the change, in one transaction), with the records it was answered with.
    const applied = new Map<string, number>();
    for (const e of await logEntries(l.id)) {
      if (e.status !== 202) continue;
      assert.equal(e.state, 'success', `request ${e.requestId} was answered 202 but its change did not apply: ${e.error}`);
      assert.ok(e.requestId && !applied.has(e.requestId), `request ${e.requestId} logged as applied once`);
      applied.set(e.requestId, e.records);
    }
    t.diagnostic(`${accepted.size} requests answered 202 (not counting duplicates), ${[...accepted.values()].reduce((a, b) => a + b, 0)} records`);
    const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => a.localeCompare(b));
    assert.deepEqual(sorted(applied), sorted(accepted), 'the requests answered 202 are the requests applied, each with its records');
    const [afterFuzzing] = await allRecords(stack.operator, l, '&key.id=424242');
    assert.equal(afterFuzzing?.row.name, 'after fuzzing');
    // Ingest never makes a table: none outside the tenant's schema, none new inside it.
    assert.deepEqual(await outside(), tablesBefore);
    assert.deepEqual(await inTenant(), tenantTables);
  });

  it('generate-tables and accepting its proposals never answer 5xx, and never make a table outside the tenant schema', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.dictionary(hostileKey, jsonValue, { maxKeys: 12 }), fc.string({ maxLength: 80 }), fc.option(fc.constantFrom('data', 'data.items', '/a/b', 'x.y.z')), async (sample, baseName, rootPath) => {
        const gen = await stack.operator.post('/v1/listeners/generate-tables', { tenant: TENANT, sample: { id: 1, ...sample }, baseName: baseName || 'b', ...(rootPath ? { rootPath } : {}) });
        assert.ok(gen.status === 200 || gen.status === 400, `generate: ${gen.status} ${gen.text.slice(0, 300)}`);
        if (gen.status !== 200) return;
        const created = await stack.operator.post('/v1/listeners', { tenant: TENANT, serviceId, name: `gen-${++n}`, structure: gen.body.structure });
        assert.ok([201, 400, 409].includes(created.status), `accept: ${created.status} ${created.text.slice(0, 300)}`);
      }),
      { numRuns: 60 },
    );
    assert.deepEqual(await outside(), tablesBefore);
    assert.ok((await inTenant()).length > 2, 'proposals were accepted and their tables made');
  });
});
