// Delivery ids: derived from the event and the target, time-ordered for events since
// ORDERED_DELIVERY_IDS_SINCE, the earlier derivation for every other event.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deliveryIdFor, deliveryMsgIds, factsOf, ORDERED_DELIVERY_IDS_SINCE, parkedOf } from './delivery';
import { stableUuid, uuidv7, uuidv7Time } from './ids';
import { pushDeliveryIdFor } from './push';

const msOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('deliveryIdFor', () => {
  it("starts with the event's time for an event minted since the cut-over", () => {
    const event = uuidv7(ORDERED_DELIVERY_IDS_SINCE + 3_600_000);
    const id = deliveryIdFor(event, 'rcv-1');
    assert.equal(msOf(id), uuidv7Time(event));
    assert.equal(id[14], '8');
    assert.notEqual(id, stableUuid('delivery', event, 'rcv-1'));
  });

  it('is derived: the same event and target give the same id, another target another', () => {
    const event = uuidv7(ORDERED_DELIVERY_IDS_SINCE + 1);
    assert.equal(deliveryIdFor(event, 'rcv-1'), deliveryIdFor(event, 'rcv-1'));
    assert.notEqual(deliveryIdFor(event, 'rcv-1'), deliveryIdFor(event, 'rcv-2'));
    assert.notEqual(deliveryIdFor(event, 'rcv-1'), deliveryIdFor(uuidv7(ORDERED_DELIVERY_IDS_SINCE + 1), 'rcv-1'));
    assert.notEqual(pushDeliveryIdFor(event, 'rcv-1'), deliveryIdFor(event, 'rcv-1'), "a push type never meets a receiver's id");
  });

  it('keeps the earlier derivation for an event minted before the cut-over (an upgrade delivers nothing twice)', () => {
    const before = uuidv7(ORDERED_DELIVERY_IDS_SINCE - 1);
    assert.equal(deliveryIdFor(before, 'rcv-1'), stableUuid('delivery', before, 'rcv-1'));
    // A value computed by the version before, for an event of 5 December 2026.
    assert.equal(deliveryIdFor('019aebc3-1f00-7a5c-9d21-3c4b5a697887', 'rcv-1'), stableUuid('delivery', '019aebc3-1f00-7a5c-9d21-3c4b5a697887', 'rcv-1'));
  });

  it('orders by the time the event was stored when its id carries none (one from an idempotency key or a direct publish)', () => {
    const keyed = stableUuid('event', 'acme', 'order-42');
    const at = new Date(ORDERED_DELIVERY_IDS_SINCE + 86_400_000).toISOString();
    const id = deliveryIdFor(keyed, 'rcv-1', at);
    assert.equal(msOf(id), Date.parse(at));
    assert.equal(id, deliveryIdFor(keyed, 'rcv-1', at), 'the same on every redelivery of the stored event');
    assert.equal(pushDeliveryIdFor(keyed, 'visit.completed', at), deliveryIdFor(keyed, 'push:visit.completed', at));
    // A UUIDv7 id's own time wins over the one given.
    const v7 = uuidv7(ORDERED_DELIVERY_IDS_SINCE + 5);
    assert.equal(msOf(deliveryIdFor(v7, 'rcv-1', at)), ORDERED_DELIVERY_IDS_SINCE + 5);
  });

  it('keeps the hashed id for such an event without a usable time, or stored before the cut-over', () => {
    const keyed = stableUuid('event', 'acme', 'order-42');
    const legacy = stableUuid('delivery', keyed, 'rcv-1');
    assert.equal(deliveryIdFor(keyed, 'rcv-1'), legacy);
    assert.equal(deliveryIdFor(keyed, 'rcv-1', 'not a time'), legacy);
    assert.equal(deliveryIdFor(keyed, 'rcv-1', new Date(ORDERED_DELIVERY_IDS_SINCE - 1).toISOString()), legacy);
  });

  it('sorts the deliveries of later events after those of earlier ones', () => {
    const events = Array.from({ length: 200 }, (_, i) => uuidv7(ORDERED_DELIVERY_IDS_SINCE + 1000 + i * 3));
    const ids = events.map((e, i) => deliveryIdFor(e, `rcv-${(i * 31) % 7}`));
    assert.deepEqual([...ids].sort(), ids);
  });
});

describe('fact batches on hookline.delivery.>', () => {
  it("factsOf reads a batch's facts in order, and a fact sent on its own", () => {
    const created = { type: 'created', deliveryId: 'd1' };
    const succeeded = { type: 'succeeded', deliveryId: 'd1' };
    assert.deepEqual(factsOf({ facts: [created, succeeded] }), [created, succeeded]);
    assert.deepEqual(factsOf(created), [created]);
    assert.deepEqual(factsOf({ facts: 'not a list' }), [{ facts: 'not a list' }], 'left for the consumer to refuse');
  });
});

describe('parked orders on hookline.dispatch.parked.>', () => {
  const one = { order: { deliveryId: 'd1', tenantId: 't1', kind: 'webhook', target: 'r1', attempt: 1, body: '{}', createdAt: '2026-01-01T00:00:00.000Z', parked: 1 }, dueAt: '2026-01-01T00:00:30.000Z' };

  it("parkedOf reads a batch's orders in order, and one order sent on its own (as dispatchers before batches sent it)", () => {
    const two = { ...one, order: { ...one.order, deliveryId: 'd2' } };
    assert.deepEqual(parkedOf({ parked: [one, two] }), [one, two]);
    assert.deepEqual(parkedOf(one), [one]);
    assert.deepEqual(parkedOf(null), [null], 'left for the consumer to refuse');
  });

  it("a batch's message id is derived from its orders' park ids: the same batch republished is a duplicate, another batch is not", () => {
    const ids = [deliveryMsgIds.parked(one.order), deliveryMsgIds.parked({ ...one.order, parked: 2 })];
    assert.equal(deliveryMsgIds.parkedBatch(ids), deliveryMsgIds.parkedBatch([...ids]));
    assert.notEqual(deliveryMsgIds.parkedBatch(ids), deliveryMsgIds.parkedBatch(ids.slice(0, 1)));
    assert.match(deliveryMsgIds.parkedBatch(ids), /^parked:/);
  });
});
