// Fuzzing (fast-check) inbound listeners over real HTTP: hostile keys and shapes (quotes,
// semicolons, "__proto__", 200-character and unicode keys, deep nesting, wide objects,
// long strings, wrong types), methods, content types and encodings sent to the ingest
// route, and hostile samples to generate-tables whose proposals are then accepted. The
// rule: never a 5xx, and never a table outside the tenant's schema.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { Client } from 'pg';
import { createListener, listenerTenant, startTestStack, TestListener, TestStack } from '@hookline/testing';

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

  before(async () => {
    stack = await startTestStack();
    ({ serviceId } = await listenerTenant(stack.operator, TENANT));
    l = await createListener(stack.operator, TENANT, serviceId, {
      name: 'fuzzed',
      sample: { id: 1, name: 'n', lines: [{ sku: 's', qty: 1 }] },
      settings: { auth: { method: 'token', location: { in: 'header', name: 'x-token' } } },
    });
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    tablesBefore = await outside();
  });
  after(async () => {
    await db?.end();
    await stack?.stop();
  });

  it('the ingest route never answers 5xx', async () => {
    const body = fc.oneof(
      { weight: 6, arbitrary: fc.oneof(record, fc.array(record, { maxLength: 4 })).map((v) => JSON.stringify(v) ?? 'null') },
      { weight: 1, arbitrary: deep },
      { weight: 1, arbitrary: wide },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"polluted":true},"id":1}', '{"id":1,"constructor":{"prototype":{"x":1}}}', '{"id":"\\u0000"}', '{"id":1,"name":"\\ud800"}', '', '{"id":1e999}') },
    );
    let refusedAsTooLarge = 0;
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
          if (res.status === 413) refusedAsTooLarge++;
          assert.ok(ALLOWED.has(res.status), `${method} ${suffix} ${contentType} ${encoding}: ${res.status} ${answer.slice(0, 300)}`);
          if (res.status !== 202) assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
        },
      ),
      { numRuns: 250 },
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // The service is still healthy and serving.
    const ok = await fetch(`${stack.url}${l.path}`, { method: 'POST', headers: { 'x-token': l.token as string, 'content-type': 'application/json' }, body: JSON.stringify({ id: 424242, name: 'after fuzzing' }) });
    assert.equal(ok.status, 202);
    assert.ok(refusedAsTooLarge >= 0);
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
    const inTenant = await db.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'tenant_fuzz-in'");
    assert.ok(inTenant.rows[0].n > 1, 'proposals were accepted and their tables made');
  });
});
