import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventIdFor, InvalidEventError, normalizeHostEvent, TOPIC_RE } from './host-event';
import { stableUuid, UUID_RE, uuidv7 } from './ids';

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
