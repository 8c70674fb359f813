import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HEADERS, normalizeHostEvents, type HostEvent } from '@hookline/contracts';
import { eventMessages } from './event-messages';

const event = (id: string, topic = 'Listener.orders.Upserted', tenantId = 'acme', size = 0): HostEvent => ({
  id,
  tenantId,
  topic,
  object: { type: 'listener:orders', id },
  data: { pad: 'x'.repeat(size) },
  receivedAt: '2026-01-01T00:00:00.000Z',
  publishedBy: 'listener:l',
});
const read = (m: { subject: string; body: string; msgId: string; headers: Record<string, string> }) =>
  normalizeHostEvents(m.subject, JSON.parse(m.body), { msgId: m.msgId, streamSeq: 1, timestampMs: 0, count: m.headers[HEADERS.eventCount] }).map((e) => e.id);

describe('eventMessages', () => {
  it('puts the events of one topic in one message, in order, that consumers read back as those events', () => {
    const msgs = eventMessages(['a', 'b', 'c'].map((id) => ({ event: event(id) })));
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0].subject, 'hookline.events.acme.Listener.orders.Upserted');
    assert.equal(msgs[0].headers[HEADERS.eventCount], '3');
    assert.deepEqual(read(msgs[0]), ['a', 'b', 'c']);
  });
  it('sends a lone event as a message of its own, in the single-event form, with its id as the msg id', () => {
    const [m] = eventMessages([{ event: event('a'), correlationId: 'c-1' }]);
    assert.equal(m.msgId, 'a');
    assert.deepEqual(m.headers, { [HEADERS.correlationId]: 'c-1' });
    assert.equal(JSON.parse(m.body).id, 'a');
  });
  it('keeps topics and tenants apart', () => {
    const msgs = eventMessages([{ event: event('a') }, { event: event('b', 'Listener.orders.Deleted') }, { event: event('c') }, { event: event('d', 'Listener.orders.Upserted', 'other') }]);
    assert.deepEqual(msgs.map((m) => [m.subject, read(m)]), [
      ['hookline.events.acme.Listener.orders.Upserted', ['a', 'c']],
      ['hookline.events.acme.Listener.orders.Deleted', ['b']],
      ['hookline.events.other.Listener.orders.Upserted', ['d']],
    ]);
  });
  it('cuts at the most events and bytes a message may hold; an event past the byte limit goes alone', () => {
    const ids = Array.from({ length: 7 }, (_, i) => `e${i}`);
    const byCount = eventMessages(ids.map((id) => ({ event: event(id) })), { maxEvents: 3, maxBytes: 1 << 20 });
    assert.deepEqual(byCount.map(read), [['e0', 'e1', 'e2'], ['e3', 'e4', 'e5'], ['e6']]);
    const one = JSON.stringify(event('e0', undefined, undefined, 1000)).length;
    const byBytes = eventMessages([...ids.map((id) => ({ event: event(id, undefined, undefined, 1000) })), { event: event('big', undefined, undefined, 5000) }], { maxEvents: 100, maxBytes: 2 * one + 1 });
    assert.deepEqual(byBytes.map(read), [['e0', 'e1'], ['e2', 'e3'], ['e4', 'e5'], ['e6'], ['big']]);
    for (const m of byBytes) if (m.headers[HEADERS.eventCount]) assert.ok(m.body.length <= 2 * one + 1 + 2);
  });
  it('names a message by the events it carries: the same cut gives the same msg id, another cut another', () => {
    const a = eventMessages(['a', 'b'].map((id) => ({ event: event(id) })));
    const b = eventMessages(['a', 'b'].map((id) => ({ event: event(id) })));
    const c = eventMessages(['a', 'b', 'c'].map((id) => ({ event: event(id) })));
    assert.equal(a[0].msgId, b[0].msgId);
    assert.notEqual(a[0].msgId, c[0].msgId);
  });
  it('carries a correlation id only when every event in the message shares it', () => {
    const same = eventMessages([{ event: event('a'), correlationId: 'r' }, { event: event('b'), correlationId: 'r' }]);
    assert.equal(same[0].headers[HEADERS.correlationId], 'r');
    const mixed = eventMessages([{ event: event('a'), correlationId: 'r' }, { event: event('b'), correlationId: 's' }]);
    assert.equal(mixed[0].headers[HEADERS.correlationId], undefined);
  });
});
