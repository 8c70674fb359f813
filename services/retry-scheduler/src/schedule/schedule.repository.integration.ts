// The retry agenda's expiry query against a real PostgreSQL: each tenant's cutoff (or
// the default), push notifications only, and nothing removed unless the purge published.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DispatchOrder } from '@hookline/contracts';
import { createTestDataSource, sharedPostgresUrl, type TestDataSource } from '@hookline/testing';
import { LeaseRepository, type Lease } from '../leadership/lease.repository';
import { ScheduleRepository } from './schedule.repository';

const adminUrl = sharedPostgresUrl();
const t0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (s: number) => new Date(t0 + s * 1000);
let n = 0;

function order(tenantId: string, kind: 'push' | 'webhook', createdS: number): DispatchOrder {
  const id = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  return { deliveryId: id, tenantId, kind, source: { eventId: id, topic: 'A.b' }, target: kind === 'push' ? 'a.b' : 'r', attempt: 2, body: '{}', createdAt: at(createdS).toISOString() };
}

describe('ScheduleRepository.takeExpired', { skip: !adminUrl && 'HOOKLINE_TEST_PG_URL is not set (run through npm test)' }, () => {
  let db: TestDataSource;
  let repo: ScheduleRepository;
  const lease: Lease = { name: 'retry-scheduler', holder: 'test/1' };
  before(async () => {
    db = await createTestDataSource('sched');
    repo = new ScheduleRepository(db.dataSource);
    assert.equal(await new LeaseRepository(db.dataSource).acquireOrRenew(lease, 600_000), true);
  });
  after(async () => {
    await db?.drop();
  });

  it("takes push notifications past their tenant's cutoff (or the default), nothing else, and keeps them when the purge fails", async () => {
    // now = 100 s; tenant a keeps 10 s (cutoff 90 s), b sets nothing (default cutoff 50 s).
    const aOld = order('a', 'push', 80);
    const aNew = order('a', 'push', 95);
    const bOld = order('b', 'push', 40);
    const bMid = order('b', 'push', 80);
    const hook = order('a', 'webhook', 0);
    for (const o of [aOld, aNew, bOld, bMid, hook]) await repo.upsert(o, at(1000));
    const cutoffs = [{ tenantId: 'a', cutoff: at(90) }];

    await assert.rejects(repo.takeExpired('push', cutoffs, at(50), 100, lease, async () => Promise.reject(new Error('broker down'))));
    assert.equal((await repo.count('a')) + (await repo.count('b')), 5, 'a failed purge removes nothing');

    let taken: string[] = [];
    const count = await repo.takeExpired('push', cutoffs, at(50), 100, lease, async (rows) => {
      taken = rows.map((r) => r.delivery_id);
    });
    assert.equal(count, 2);
    assert.deepEqual(taken.sort(), [aOld.deliveryId, bOld.deliveryId].sort());
    assert.equal(await repo.isScheduled('a', aNew.deliveryId), true);
    assert.equal(await repo.isScheduled('b', bMid.deliveryId), true);
    assert.equal(await repo.isScheduled('a', hook.deliveryId), true, 'another kind is not taken');

    // A lowered setting: tenant b now keeps 10 s too.
    const more = await repo.takeExpired('push', [...cutoffs, { tenantId: 'b', cutoff: at(90) }], at(50), 100, lease, async () => undefined);
    assert.equal(more, 1);
    assert.equal(await repo.isScheduled('b', bMid.deliveryId), false);
  });

  it('a parked order waits under its attempt; a later park moves its turn, an older one and a later attempt win over it', async () => {
    const first: DispatchOrder = { ...order('p', 'webhook', 0), attempt: 1, parked: 1 };
    await repo.upsertParked([{ order: first, dueAt: at(10) }]);
    await repo.upsertParked([{ order: { ...first, parked: 2 }, dueAt: at(20) }]);
    await repo.upsertParked([{ order: first, dueAt: at(5) }]); // a repeated older park
    let due: number[] = [];
    await repo.takeDue(at(15), 100, lease, async (rows) => {
      due = rows.filter((r) => r.tenant_id === 'p').map((r) => r.dispatch_order.parked ?? 0);
    });
    assert.deepEqual(due, [], 'not due before the later park\'s turn');
    // A retry of a later attempt replaces the parked row; a park of the old attempt does not replace the retry.
    await repo.upsert({ ...first, attempt: 2, parked: undefined }, at(30));
    await repo.upsertParked([{ order: { ...first, parked: 3 }, dueAt: at(25) }]);
    await repo.takeDue(at(40), 100, lease, async (rows) => {
      due = rows.filter((r) => r.tenant_id === 'p').map((r) => r.attempt);
    });
    assert.deepEqual(due, [2]);
  });

  it('writes a batch of parks in one statement: duplicates of a delivery within it, rows already there, and a retry of a later attempt', async () => {
    const fresh = Array.from({ length: 300 }, () => ({ ...order('pb', 'webhook', 0), attempt: 1, parked: 1 }));
    const there = { ...order('pb', 'webhook', 0), attempt: 1, parked: 1 };
    const retried = { ...order('pb', 'webhook', 0), attempt: 3 };
    await repo.upsertParked([{ order: there, dueAt: at(50) }]);
    await repo.upsert(retried, at(60));
    await repo.upsertParked([
      ...fresh.map((o) => ({ order: o, dueAt: at(50) })),
      { order: { ...fresh[0], parked: 2 }, dueAt: at(70) }, // a later park of the first, in the same batch
      { order: fresh[1], dueAt: at(40) }, // the same park of the second again, earlier
      { order: { ...there, parked: 2 }, dueAt: at(80) }, // moves the row already there
      { order: { ...retried, attempt: 2, parked: 1 }, dueAt: at(45) }, // an older attempt: the retry stays
    ]);
    const rows: { delivery_id: string; attempt: number; due_at: Date; parked: number }[] = await db.dataSource.query(
      `SELECT delivery_id, attempt, due_at, COALESCE((dispatch_order->>'parked')::int, 0) AS parked FROM delivery_schedule WHERE tenant_id = 'pb'`,
    );
    const byId = new Map(rows.map((r) => [r.delivery_id, r]));
    assert.equal(rows.length, 302);
    assert.deepEqual([byId.get(fresh[0].deliveryId)?.parked, byId.get(fresh[0].deliveryId)?.due_at.getTime()], [2, at(70).getTime()]);
    assert.deepEqual([byId.get(fresh[1].deliveryId)?.parked, byId.get(fresh[1].deliveryId)?.due_at.getTime()], [1, at(50).getTime()]);
    assert.deepEqual([byId.get(there.deliveryId)?.parked, byId.get(there.deliveryId)?.due_at.getTime()], [2, at(80).getTime()]);
    assert.deepEqual([byId.get(retried.deliveryId)?.attempt, byId.get(retried.deliveryId)?.due_at.getTime()], [3, at(60).getTime()]);
    await repo.upsertParked([]);
  });

  it('takes nothing for an instance that does not hold the lease, nor once its lease has expired', async () => {
    const leases = new LeaseRepository(db.dataSource);
    const o = { ...order('q', 'webhook', 0), attempt: 2 };
    await repo.upsert(o, at(1));
    const standby: Lease = { name: 'retry-scheduler', holder: 'test/2' };
    assert.equal(await leases.acquireOrRenew(standby, 600_000), false, 'held by another');
    let seen = 0;
    assert.equal(await repo.takeDue(at(40), 100, standby, async (rows) => void (seen += rows.length)), 0);
    assert.equal(seen, 0);
    assert.equal(await repo.isScheduled('q', o.deliveryId), true);
    // The holder's lease runs out (it stopped renewing): it takes nothing any more, whatever it believes.
    await db.dataSource.query(`UPDATE service_leases SET expires_at = now() - interval '1 second' WHERE name = $1`, [lease.name]);
    assert.equal(await repo.takeDue(at(40), 100, lease, async () => undefined), 0);
    assert.equal(await repo.isScheduled('q', o.deliveryId), true);
    // The standby takes the lease over, and then the row.
    assert.equal(await leases.acquireOrRenew(standby, 600_000), true);
    assert.equal(await leases.holderOf('retry-scheduler'), standby.holder);
    assert.equal(await repo.takeDue(at(40), 100, standby, async (rows) => void (seen += rows.filter((r) => r.tenant_id === 'q').length)), 1);
    assert.equal(seen, 1);
    // The former holder cannot take it back while the new one renews; after a release it can.
    assert.equal(await leases.acquireOrRenew(lease, 600_000), false);
    assert.equal(await leases.acquireOrRenew(standby, 600_000), true, 'renewing keeps it');
    await leases.release(standby);
    assert.equal(await leases.acquireOrRenew(lease, 600_000), true);
  });
});
