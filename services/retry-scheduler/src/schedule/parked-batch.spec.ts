import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DispatchOrder } from '@hookline/contracts';
import { latestParks, type Park } from './parked-batch';

const order = (deliveryId: string, attempt: number, parked?: number): DispatchOrder => ({
  deliveryId,
  tenantId: 't',
  kind: 'webhook',
  target: 'r',
  source: { eventId: 'e', topic: 'A' },
  attempt,
  body: '{}',
  createdAt: '2026-01-01T00:00:00.000Z',
  ...(parked === undefined ? {} : { parked }),
});
const park = (id: string, attempt: number, parked: number | undefined, s: number): Park => ({ order: order(id, attempt, parked), dueAt: new Date(Date.UTC(2026, 0, 1, 0, 0, s)) });
const view = (ps: Park[]) => ps.map((p) => `${p.order.deliveryId}/${p.order.attempt}/${p.order.parked ?? 0}@${p.dueAt.getUTCSeconds()}`);

describe('latestParks', () => {
  it('keeps one park per delivery, in the order the deliveries first came', () => {
    const out = latestParks([park('a', 1, 1, 10), park('b', 1, 1, 11), park('a', 1, 2, 20), park('c', 1, 1, 12)]);
    assert.deepEqual(view(out), ['a/1/2@20', 'b/1/1@11', 'c/1/1@12']);
  });

  it('a repeated or older park of the same attempt does not replace a later one', () => {
    assert.deepEqual(view(latestParks([park('a', 1, 2, 20), park('a', 1, 1, 5), park('a', 1, 2, 30)])), ['a/1/2@20']);
  });

  it('a park of another attempt never replaces the first one seen (the agenda row of another attempt wins, as in the statement)', () => {
    assert.deepEqual(view(latestParks([park('a', 2, 1, 20), park('a', 1, 5, 30)])), ['a/2/1@20']);
    assert.deepEqual(view(latestParks([park('a', 1, 1, 20), park('a', 2, 5, 30)])), ['a/1/1@20']);
  });

  it('an order without a park count counts as 0', () => {
    assert.deepEqual(view(latestParks([park('a', 1, undefined, 1), park('a', 1, 1, 2)])), ['a/1/1@2']);
    assert.deepEqual(view(latestParks([])), []);
  });
});
