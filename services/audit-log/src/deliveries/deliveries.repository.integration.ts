// The webhook log against a real PostgreSQL: batches in any order converge on one row.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeliveryLifecycleEvent } from '@hookline/contracts';
import { createTestDataSource, sharedPostgresUrl, type TestDataSource } from '@hookline/testing';
import { project } from './delivery-projection';
import { DeliveriesRepository } from './deliveries.repository';

const adminUrl = sharedPostgresUrl();
const base = { tenantId: 't1', kind: 'webhook' as const };

function life(id: string): DeliveryLifecycleEvent[] {
  const d = { ...base, deliveryId: id };
  return [
    { ...d, type: 'created', at: '2026-01-01T00:00:00.000Z', source: { eventId: '00000000-0000-4000-8000-000000000001', topic: 'A.b' }, target: 'r1', targetName: 'R', url: 'http://x', body: '{"a":1}' },
    { ...d, type: 'attempted', at: '2026-01-01T00:00:01.000Z', attempt: 1, ok: false, durationMs: 3, statusCode: 503, errorClass: 'http-status', requestHeaders: { 'x-hub-signature': '[redacted]' } },
    { ...d, type: 'scheduled', at: '2026-01-01T00:00:01.000Z', attempt: 2, dueAt: '2026-01-01T01:00:01.000Z' },
    { ...d, type: 'attempted', at: '2026-01-01T01:00:01.000Z', attempt: 2, ok: true, durationMs: 2, statusCode: 200, requestHeaders: {} },
    { ...d, type: 'succeeded', at: '2026-01-01T01:00:01.000Z', attempt: 2 },
  ];
}

describe('DeliveriesRepository', { skip: !adminUrl && 'HOOKLINE_TEST_PG_URL is not set (run through npm test)' }, () => {
  let db: TestDataSource;
  let repo: DeliveriesRepository;
  before(async () => {
    db = await createTestDataSource('deliv');
    repo = new DeliveriesRepository(db.dataSource);
  });
  after(async () => {
    await db?.drop();
  });

  it('batches applied in reverse order converge on the final state', async () => {
    const id = '11111111-1111-4111-8111-111111111111';
    const events = life(id).map((event, i) => ({ event, seq: i + 1 }));
    for (const e of [...events].reverse()) {
      const p = project([e]);
      await repo.apply(p.deliveries, p.attempts);
    }
    // and again, as a redelivery would
    const all = project(events);
    await repo.apply(all.deliveries, all.attempts);
    const d = await repo.findOne('t1', id);
    assert.equal(d?.status, 'succeeded');
    assert.equal(d?.attempts, 2);
    assert.equal(d?.last_status_code, 200);
    assert.equal(d?.body, '{"a":1}');
    assert.equal(d?.next_attempt_at, null);
    const attempts = await repo.attempts('t1', id);
    assert.deepEqual(attempts.map((a) => [a.attempt, a.status_code]), [[1, 503], [2, 200]]);
    assert.equal(await repo.findOne('other-tenant', id), undefined);
  });

  it('a refusal or an answer holding NUL or a lone surrogate is stored (as U+FFFD), not a batch PostgreSQL refuses', async () => {
    const id = '66666666-6666-4666-8666-666666666601';
    const d = { ...base, deliveryId: id };
    const events: DeliveryLifecycleEvent[] = [
      { ...d, type: 'created', at: '2026-01-01T00:00:00.000Z', source: { eventId: '00000000-0000-4000-8000-000000000003', topic: 'A.b' }, target: 'r1', targetName: 'R', url: 'http://x', body: '{}' },
      { ...d, type: 'attempted', at: '2026-01-01T00:00:01.000Z', attempt: 1, ok: false, durationMs: 3, statusCode: 200, errorClass: 'contract', error: 'receiver reported Code=E\u0000 Message=no', requestHeaders: {}, responseBody: 'half \ud800 of a pair' },
      { ...d, type: 'failed', at: '2026-01-01T00:00:01.000Z', attempts: 1, reason: 'receiver reported Code=E\u0000 Message=no' },
    ];
    const p = project(events.map((event, i) => ({ event, seq: 500 + i })));
    await repo.apply(p.deliveries, p.attempts);
    const [attempt] = await repo.attempts('t1', id);
    assert.equal(attempt?.error, 'receiver reported Code=E\ufffd Message=no');
    assert.equal(attempt?.response_body, 'half \ufffd of a pair');
    assert.equal((await repo.findOne('t1', id))?.status, 'failed');
  });

  it('lists newest first with filters', async () => {
    const ids = ['22222222-2222-4222-8222-000000000001', '22222222-2222-4222-8222-000000000002'];
    for (const [i, id] of ids.entries()) {
      const p = project([{ event: { ...base, deliveryId: id, type: 'created', at: `2026-02-0${i + 1}T00:00:00.000Z`, source: { eventId: '00000000-0000-4000-8000-000000000002', topic: 'List.t' }, target: 'r2', targetName: 'R2', url: 'http://y', body: '{}' }, seq: 100 + i }]);
      await repo.apply(p.deliveries, p.attempts);
    }
    const rows = await repo.list('t1', { target: 'r2' }, 10);
    assert.deepEqual(rows.map((r) => r.id), [...ids].reverse());
    assert.equal((await repo.list('t1', { status: 'succeeded' }, 10)).length, 1);
  });
  it('late facts in later batches do not move a delivery backwards: a stale "scheduled", a late "created"', async () => {
    const id = '33333333-3333-4333-8333-333333333333';
    const [created, attempted1, scheduled] = life(id);
    const apply = async (event: DeliveryLifecycleEvent, seq: number) => {
      const p = project([{ event, seq }]);
      await repo.apply(p.deliveries, p.attempts);
    };
    // The first order was attempted and succeeded before "created" was stored.
    const success: DeliveryLifecycleEvent = { ...base, deliveryId: id, type: 'succeeded', at: '2026-01-01T00:00:01.500Z', attempt: 2, record: { at: '2026-01-01T00:00:01.400Z', ok: true, durationMs: 2, statusCode: 204, requestHeaders: {} } };
    await apply(attempted1, 10);
    await apply(scheduled, 11);
    await apply(success, 12);
    await apply(created, 13);
    // The failure of attempt 1 is delivered again and scheduled again, after attempt 2 succeeded.
    await apply(scheduled, 14);
    const d = await repo.findOne('t1', id);
    assert.equal(d?.status, 'succeeded');
    assert.equal(d?.next_attempt_at, null);
    assert.equal(d?.attempts, 2);
    assert.equal(d?.body, '{"a":1}');
    assert.deepEqual((await repo.attempts('t1', id)).map((a) => [a.attempt, a.status_code]), [[1, 503], [2, 204]]);
    // A genuinely new schedule (attempt 3, after a resend failed) still applies.
    await apply({ ...base, deliveryId: id, type: 'attempted', at: '2026-01-02T00:00:00.000Z', attempt: 3, ok: false, durationMs: 1, statusCode: 500, requestHeaders: {}, manual: true }, 15);
    await apply({ ...base, deliveryId: id, type: 'scheduled', at: '2026-01-02T00:00:00.000Z', attempt: 4, dueAt: '2026-01-02T01:00:00.000Z' }, 16);
    assert.equal((await repo.findOne('t1', id))?.status, 'scheduled');
  });

  it('a copy of an order failing after its first copy succeeded leaves the delivery succeeded, across batches', async () => {
    const id = '44444444-4444-4444-8444-444444444444';
    const [created, attempted1, scheduled] = life(id);
    const ok1: DeliveryLifecycleEvent = { ...base, deliveryId: id, type: 'succeeded', at: '2026-01-01T00:00:00.500Z', attempt: 1, record: { at: '2026-01-01T00:00:00.400Z', ok: true, durationMs: 2, statusCode: 204, requestHeaders: {} } };
    let seq = 20;
    for (const event of [created, ok1, { ...attempted1, errorClass: 'signing' as const, statusCode: undefined }, scheduled]) {
      const p = project([{ event, seq: seq++ }]);
      await repo.apply(p.deliveries, p.attempts);
    }
    const d = await repo.findOne('t1', id);
    assert.equal(d?.status, 'succeeded');
    assert.equal(d?.next_attempt_at, null);
    assert.deepEqual((await repo.attempts('t1', id)).map((a) => [a.attempt, a.ok]), [[1, true]], 'the first record of attempt 1 is kept');
  });

});
