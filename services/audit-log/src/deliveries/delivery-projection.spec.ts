import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeliveryLifecycleEvent } from '@hookline/contracts';
import { project } from './delivery-projection';

const base = { deliveryId: 'd1', tenantId: 't', kind: 'webhook' as const };
const created: DeliveryLifecycleEvent = { ...base, type: 'created', at: '2026-01-01T00:00:00.000Z', source: { eventId: 'e1', topic: 'A.b' }, target: 'r1', targetName: 'R', url: 'http://x', body: '{}' };
const attempt1: DeliveryLifecycleEvent = { ...base, type: 'attempted', at: '2026-01-01T00:00:01.000Z', attempt: 1, ok: false, durationMs: 5, statusCode: 500, errorClass: 'http-status', requestHeaders: {} };
const scheduled: DeliveryLifecycleEvent = { ...base, type: 'scheduled', at: '2026-01-01T00:00:01.100Z', attempt: 2, dueAt: '2026-01-01T01:00:01.000Z' };
const attempt2: DeliveryLifecycleEvent = { ...base, type: 'attempted', at: '2026-01-01T01:00:02.000Z', attempt: 2, ok: true, durationMs: 4, statusCode: 204, requestHeaders: {} };
const succeeded: DeliveryLifecycleEvent = { ...base, type: 'succeeded', at: '2026-01-01T01:00:02.100Z', attempt: 2 };

describe('delivery projection', () => {
  it('folds a whole life into one row with the last status and every attempt', () => {
    const { deliveries, attempts } = project([created, attempt1, scheduled, attempt2, succeeded].map((event, i) => ({ event, seq: i + 1 })));
    assert.equal(deliveries.length, 1);
    const d = deliveries[0];
    assert.equal(d.status, 'succeeded');
    assert.equal(d.status_seq, 5);
    assert.equal(d.attempts, 2);
    assert.equal(d.last_status_code, 204);
    assert.equal(d.next_attempt_at, null);
    assert.equal(d.body, '{}');
    assert.equal(attempts.length, 2);
  });

  it('does not depend on the order the batch arrived in', () => {
    const inOrder = project([created, attempt1, scheduled].map((event, i) => ({ event, seq: i + 1 })));
    const shuffled = project([{ event: scheduled, seq: 3 }, { event: created, seq: 1 }, { event: attempt1, seq: 2 }]);
    assert.deepEqual(shuffled, inOrder);
    assert.equal(inOrder.deliveries[0].status, 'scheduled');
    assert.equal(inOrder.deliveries[0].next_attempt_at, '2026-01-01T01:00:01.000Z');
  });

  it('a resend refused by the dispatcher (an attempt not made) adds its attempt with why and keeps the delivery’s outcome', () => {
    const refused: DeliveryLifecycleEvent = {
      ...base, type: 'attempted', at: '2026-01-02T00:00:00.000Z', attempt: 3, ok: false, durationMs: 0, errorClass: 'cancelled', error: 'the receiver was deleted', requestHeaders: {}, manual: true,
    };
    const { deliveries, attempts } = project([created, attempt1, scheduled, attempt2, succeeded, refused].map((event, i) => ({ event, seq: i + 1 })));
    const d = deliveries[0];
    assert.deepEqual([d.status, d.status_attempt, d.attempts, d.last_error_class], ['succeeded', 2, 3, 'cancelled']);
    assert.deepEqual(attempts.map((a) => [a.attempt, a.ok, a.error_class, a.error, a.manual]).at(-1), [3, false, 'cancelled', 'the receiver was deleted', true]);
  });

  it('keeps a status-only patch when created is in another batch', () => {
    const { deliveries } = project([{ event: succeeded, seq: 9 }]);
    assert.equal(deliveries[0].status, 'succeeded');
    assert.equal(deliveries[0].body, null);
    assert.equal(deliveries[0].status_seq, 9);
  });

  it('records the reason of a filtered delivery, without a body', () => {
    const { deliveries } = project([{ event: { ...base, type: 'filtered', at: created.at, source: { eventId: 'e1', topic: 'A.b' }, target: 'r1', targetName: 'R', reason: 'unit u-2 outside grants' }, seq: 1 }]);
    assert.equal(deliveries[0].status, 'filtered');
    assert.equal(deliveries[0].status_reason, 'unit u-2 outside grants');
    assert.equal(deliveries[0].body, null);
  });

  it('a succeeded fact that carries its attempt counts as the attempt too', () => {
    const oneFact: DeliveryLifecycleEvent = { ...base, type: 'succeeded', at: '2026-01-01T00:00:01.200Z', attempt: 1, record: { at: '2026-01-01T00:00:01.000Z', ok: true, durationMs: 7, statusCode: 202, requestHeaders: { 'x-hub-signature': '[redacted]' } } };
    const { deliveries, attempts } = project([{ event: created, seq: 1 }, { event: oneFact, seq: 2 }]);
    assert.equal(deliveries[0].status, 'succeeded');
    assert.equal(deliveries[0].attempts, 1);
    assert.equal(deliveries[0].last_status_code, 202);
    assert.equal(deliveries[0].last_attempt_at, '2026-01-01T00:00:01.000Z');
    assert.deepEqual(attempts.map((a) => [a.delivery_id, a.attempt, a.ok, a.status_code, a.at]), [['d1', 1, true, 202, '2026-01-01T00:00:01.000Z']]);
  });

  it('"created" stored after the attempt that succeeded does not make the delivery pending again', () => {
    const { deliveries } = project([{ event: succeeded, seq: 4 }, { event: created, seq: 5 }]);
    assert.equal(deliveries[0].status, 'succeeded');
    assert.equal(deliveries[0].body, '{}', 'but its body and receiver are kept');
    assert.equal(deliveries[0].status_seq, 4);
  });

  it('a "scheduled" fact delivered again after its attempt was recorded is stale', () => {
    const again = project([attempt1, scheduled, attempt2, succeeded, scheduled].map((event, i) => ({ event, seq: i + 1 })));
    assert.equal(again.deliveries[0].status, 'succeeded');
    assert.equal(again.deliveries[0].status_seq, 4);
    // A new schedule after a later failure still applies.
    const third: DeliveryLifecycleEvent = { ...base, type: 'scheduled', at: '2026-01-01T02:00:00.000Z', attempt: 3, dueAt: '2026-01-01T08:00:00.000Z' };
    const failedTwice = project([attempt1, scheduled, { ...attempt2, ok: false, statusCode: 500 }, third].map((event, i) => ({ event, seq: i + 1 })));
    assert.equal(failedTwice.deliveries[0].status, 'scheduled');
    assert.equal(failedTwice.deliveries[0].status_attempt, 3);
  });

  it('a copy of an order failing after the first copy succeeded does not reopen the delivery (as after a broker crash)', () => {
    const ok1: DeliveryLifecycleEvent = { ...base, type: 'succeeded', at: '2026-01-01T00:00:01.000Z', attempt: 1, record: { at: '2026-01-01T00:00:00.900Z', ok: true, durationMs: 5, statusCode: 204, requestHeaders: {} } };
    const copyFailed: DeliveryLifecycleEvent = { ...attempt1, errorClass: 'signing', statusCode: undefined };
    const giveUp: DeliveryLifecycleEvent = { ...base, type: 'failed', at: '2026-01-01T00:00:03.000Z', attempts: 1, reason: 'not retryable' };
    for (const late of [scheduled, giveUp]) {
      const { deliveries } = project([created, ok1, copyFailed, late].map((event, i) => ({ event, seq: i + 1 })));
      assert.equal(deliveries[0].status, 'succeeded', late.type);
      assert.equal(deliveries[0].status_attempt, 1);
    }
  });

  it('a failed manual resend of a succeeded delivery is scheduled, and can fail for good', () => {
    const resendFailed: DeliveryLifecycleEvent = { ...attempt2, attempt: 3, ok: false, statusCode: 500, manual: true };
    const again: DeliveryLifecycleEvent = { ...base, type: 'scheduled', at: '2026-01-01T02:00:00.000Z', attempt: 4, dueAt: '2026-01-01T03:00:00.000Z' };
    const after = project([attempt1, scheduled, attempt2, succeeded, resendFailed, again].map((event, i) => ({ event, seq: i + 1 })));
    assert.equal(after.deliveries[0].status, 'scheduled');
    const gaveUp = project([attempt2, succeeded, resendFailed, { ...base, type: 'failed' as const, at: '2026-01-01T02:00:00.000Z', attempts: 3, reason: 'x' }].map((event, i) => ({ event, seq: i + 1 })));
    assert.equal(gaveUp.deliveries[0].status, 'failed');
  });
});
