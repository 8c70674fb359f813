import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventIdFor, hostEventRoute, InvalidEventError, MAX_EVENTS_PER_MESSAGE, normalizeHostEvent, normalizeHostEvents, TOPIC_RE } from './host-event';
import { stableUuid, UUID_RE, uuidv7 } from './ids';
import { JSON_LIMITS, jsonLimitProblem } from './json-limits';

describe('event ids', () => {
  it('are stable for the same tenant and idempotency key', () => {
    assert.equal(eventIdFor('t1', 'k'), eventIdFor('t1', 'k'));
    assert.notEqual(eventIdFor('t1', 'k'), eventIdFor('t2', 'k'));
    assert.match(eventIdFor('t1', 'k'), UUID_RE);
  });
  it('are time-ordered without a key', () => {
    const a = uuidv7(1000);
    const b = uuidv7(2000);
    assert.ok(a < b);
    assert.match(a, UUID_RE);
    assert.notEqual(eventIdFor('t', undefined), eventIdFor('t', undefined));
  });
  it('stableUuid separates its parts', () => assert.notEqual(stableUuid('ab', 'c'), stableUuid('a', 'bc')));
});

describe('normalizeHostEvent', () => {
  const meta = { streamSeq: 7, timestampMs: Date.parse('2026-01-01T00:00:00Z') };
  it('refuses data nested deeper than POST /v1/events accepts (a direct publish is poison, not a stack overflow later)', () => {
    const deep = JSON.parse(`{"object":{"type":"a","id":"1"},"data":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`);
    assert.throws(() => normalizeHostEvent('hookline.events.acme.A.B', deep, meta), (e: unknown) => e instanceof InvalidEventError && /nesting deeper than 64 levels/.test(e.message));
  });
  it('keeps keys named __proto__, constructor and prototype in data as they came', () => {
    const raw = JSON.parse('{"object":{"type":"a","id":"1"},"data":{"__proto__":{"x":1},"constructor":"ACME","prototype":"v2"}}');
    const e = normalizeHostEvent('hookline.events.acme.A.B', raw, meta);
    assert.equal(JSON.stringify(e.data), '{"__proto__":{"x":1},"constructor":"ACME","prototype":"v2"}');
  });
  it('accepts a direct publish with only object and data', () => {
    const e = normalizeHostEvent('hookline.events.acme.Accounts.Update', { object: { type: 'account', id: '42', unit: 'u-1' }, data: { a: 1 } }, { ...meta, msgId: 'm-1' });
    assert.equal(e.tenantId, 'acme');
    assert.equal(e.topic, 'Accounts.Update');
    assert.equal(e.id, stableUuid('event', 'acme', 'm-1'));
    assert.equal(e.receivedAt, '2026-01-01T00:00:00.000Z');
    assert.equal(e.publishedBy, 'nats');
    assert.equal(e.idempotencyKey, 'm-1');
  });
  it('derives the id from the stream sequence without a msg id', () => {
    const a = normalizeHostEvent('hookline.events.acme.X', { object: { type: 't', id: '1' } }, meta);
    const b = normalizeHostEvent('hookline.events.acme.X', { object: { type: 't', id: '1' } }, meta);
    assert.equal(a.id, b.id);
    assert.deepEqual(a.data, {});
  });
  const bad: [string, unknown, string][] = [
    ['hookline.events.acme', { object: { type: 't', id: '1' } }, 'subject'],
    ['hookline.events.acme.X', [], 'body'],
    ['hookline.events.acme.X', { topic: 'Y', object: { type: 't', id: '1' } }, 'topic'],
    ['hookline.events.acme.X', { object: 3 }, 'object'],
    ['hookline.events.acme.X', { object: { id: '1' } }, 'object.type'],
    ['hookline.events.acme.X', { object: { type: 't', id: 1 } }, 'object.id'],
    ['hookline.events.acme.X', { object: { type: 't', id: '1', unit: 5 } }, 'object.unit'],
    ['hookline.events.acme.X', { object: { type: 't', id: '1' }, data: 'x' }, 'data'],
  ];
  for (const [subject, body, fieldName] of bad) {
    it(`rejects a bad ${fieldName}`, () => {
      assert.throws(() => normalizeHostEvent(subject, body, meta), (e: unknown) => e instanceof InvalidEventError && e.field === fieldName);
    });
  }
});

describe('TOPIC_RE', () => {
  for (const ok of ['Accounts.Update', 'a', 'visit_completed', 'A.b-c.D']) it(`accepts ${ok}`, () => assert.match(ok, TOPIC_RE));
  for (const no of ['', '.a', 'a.', 'a..b', 'a b', 'a.*', 'a.>']) it(`rejects ${JSON.stringify(no)}`, () => assert.doesNotMatch(no, TOPIC_RE));
});

describe('jsonLimitProblem', () => {
  const nest = (levels: number, leaf = '1', open = '{"k":', close = '}') => JSON.parse(`${open.repeat(levels)}${leaf}${close.repeat(levels)}`);
  const table: [name: string, value: unknown, problem: { field: string; message: RegExp } | undefined][] = [
    ['a primitive', 'x', undefined],
    ['null', null, undefined],
    ['an empty object', {}, undefined],
    ['exactly 64 levels of objects', nest(64), undefined],
    ['64 levels, the last an empty object', nest(63, '{}'), undefined],
    ['65 levels', nest(64, '{}'), { field: 'body', message: /nesting deeper than 64 levels/ }],
    ['65 levels of arrays', nest(64, '[]', '[', ']'), { field: 'body', message: /nesting deeper than 64 levels/ }],
    ['100,000 levels (no stack overflow)', nest(100_000), { field: 'body', message: /nesting deeper than 64 levels/ }],
    ['mixed arrays and objects at 64 levels', nest(32, '1', '{"a":[', ']}'), undefined],
    ['mixed arrays and objects at 66 levels', nest(33, '1', '{"a":[', ']}'), { field: 'body', message: /nesting deeper/ }],
    ['10,000 keys', Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])), undefined],
    ['10,001 keys at the top', Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, i])), { field: 'body', message: /more than 10000 keys/ }],
    ['10,001 keys deeper down, named by path', { data: { list: [0, { wide: Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, i])) }] } }, { field: 'data.list.1.wide', message: /more than 10000 keys/ }],
    ['a long array of scalars is fine', new Array(100_000).fill(0), undefined],
  ];
  for (const [name, value, want] of table) {
    it(name, () => {
      const got = jsonLimitProblem(value);
      if (!want) assert.equal(got, undefined);
      else {
        assert.equal(got?.field, want.field);
        assert.match(got?.message ?? '', want.message);
      }
    });
  }
  it('the limits are the documented ones', () => assert.deepEqual({ ...JSON_LIMITS }, { maxDepth: 64, maxKeys: 10_000 }));
});

describe('hostEventRoute', () => {
  it('reads the tenant and the (dotted) topic from the subject, and nothing from elsewhere', () => {
    assert.deepEqual(hostEventRoute('hookline.events.acme.Accounts.Update'), { tenantId: 'acme', topic: 'Accounts.Update' });
    assert.deepEqual(hostEventRoute('hookline.events.t-1.A'), { tenantId: 't-1', topic: 'A' });
    for (const bad of ['hookline.events.acme', 'hookline.other.acme.A', 'x.events.acme.A', '']) assert.equal(hostEventRoute(bad), undefined, bad);
  });
});

describe('normalizeHostEvents', () => {
  const meta = { streamSeq: 9, timestampMs: Date.parse('2026-01-01T00:00:00Z') };
  const subject = 'hookline.events.acme.Listener.orders.Upserted';
  const full = (id: string) => ({ id, tenantId: 'acme', topic: 'Listener.orders.Upserted', object: { type: 'listener:orders', id }, data: { n: id }, receivedAt: '2026-01-01T00:00:01.000Z', publishedBy: 'listener:l-1' });

  it('reads a message without the header as one event, as before', () => {
    const events = normalizeHostEvents(subject, full('e-1'), meta);
    assert.deepEqual(events.map((e) => e.id), ['e-1']);
  });
  it('reads each element of a message that carries several, in order, each keeping its own id', () => {
    const events = normalizeHostEvents(subject, [full('e-1'), full('e-2'), full('e-3')], { ...meta, count: '3' });
    assert.deepEqual(events.map((e) => e.id), ['e-1', 'e-2', 'e-3']);
    assert.deepEqual(events.map((e) => e.data), [{ n: 'e-1' }, { n: 'e-2' }, { n: 'e-3' }]);
  });
  it('gives elements published straight on NATS without an id one of their own, stable per message and place', () => {
    const raw = [{ object: { type: 't', id: '1' } }, { object: { type: 't', id: '1' } }];
    const a = normalizeHostEvents(subject, raw, { ...meta, count: '2', msgId: 'm-1' });
    const b = normalizeHostEvents(subject, raw, { ...meta, count: '2', msgId: 'm-1' });
    assert.deepEqual(a.map((e) => e.id), b.map((e) => e.id));
    assert.notEqual(a[0].id, a[1].id);
    assert.equal(a[1].id, stableUuid('event', 'acme', 'm-1#1'));
    assert.equal(a[1].idempotencyKey, 'm-1#1');
    const bySeq = normalizeHostEvents(subject, raw, { ...meta, count: '2' });
    assert.notEqual(bySeq[0].id, bySeq[1].id);
    assert.notEqual(bySeq[0].id, normalizeHostEvent(subject, raw[0], meta).id, 'the first of several is not the message read as one');
  });
  const bad: [string, unknown, string | undefined, RegExp][] = [
    ['a count that is not a number', [full('a')], 'one', /Hookline-Events: must be a count/],
    ['a count of 0', [], '0', /Hookline-Events/],
    ['a count past the most a message may carry', [full('a')], String(MAX_EVENTS_PER_MESSAGE + 1), /Hookline-Events/],
    ['a body that is not an array', full('a'), '1', /body: must be a JSON array/],
    ['fewer elements than the count', [full('a')], '2', /holds 1 events where the Hookline-Events header says 2/],
    ['a bad element, named by its place', [full('a'), { object: { type: 't' } }], '2', /^\[1\]\.object\.id: must be a non-empty string/],
    ['an element of another topic', [{ ...full('a'), topic: 'Other' }], '1', /^\[0\]\.topic: /],
  ];
  for (const [name, raw, count, message] of bad) {
    it(`refuses the whole message for ${name}`, () => {
      assert.throws(() => normalizeHostEvents(subject, raw, { ...meta, count }), (e: unknown) => e instanceof InvalidEventError && message.test(e.message));
    });
  }
});
