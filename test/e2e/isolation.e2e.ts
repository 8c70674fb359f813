// One receiver that has begun to hang must not hold back the other receivers of the same
// events. First attempts are made straight from fan-out while the host event waits,
// unacknowledged, in one of the dispatcher's HOOKLINE_DISPATCH_CONCURRENCY places; a
// receiver that had just started hanging looked fast for its first moments, so every
// event was let wait for it, every place filled, and the healthy receivers got an event
// only as often as the hanging one timed out (found by the bench's isolation scenario:
// 0.15× the all-healthy rate). This runs the same shape small enough to see it plainly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ledgerTenant, startTestStack, TestReceiver, TestStack } from '@hookline/testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a hanging receiver does not hold back the others', () => {
  let stack: TestStack;
  const servers: TestReceiver[] = [];

  before(async () => {
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        // 24 events in the dispatcher at once, two attempts at a time per receiver, and a
        // hanging request given up after 20 s: were the hanging receiver let hold the events,
        // the healthy ones would get no more than the first two dozen until then.
        HOOKLINE_DISPATCH_CONCURRENCY: '24',
        HOOKLINE_DISPATCH_PER_RECEIVER_CONCURRENCY: '2',
        HOOKLINE_EGRESS_DEADLINE: '20s',
        HOOKLINE_RETRY_POLL_INTERVAL: '100ms',
      },
    });
  });
  after(async () => {
    for (const s of servers) await s.close();
    await stack?.stop();
  });

  it('delivers every event to the healthy receivers while one receiver holds every request until the deadline', async (t) => {
    const tenant = await ledgerTenant(stack, 'isolation', ['Orders.Paid']);
    const hanging = await tenant.serve('hanging', servers, () => 'hang');
    const healthy = [await tenant.serve('healthy-1', servers), await tenant.serve('healthy-2', servers)];

    const total = 60;
    const started = Date.now();
    for (let i = 0; i < total; i++) await tenant.ledger.publish('Orders.Paid', { i });
    // Every event reaches both healthy receivers before the hanging receiver's first request
    // is given up: their deliveries do not wait for its turns.
    const deadline = started + 18_000;
    const counts = () => healthy.map((h) => new Set(h.requests.map((q) => q.body)).size);
    while (Date.now() < deadline && counts().some((c) => c < total)) await sleep(50);
    const took = Date.now() - started;
    t.diagnostic(`healthy receivers got ${counts().join(' and ')} of ${total} events in ${took} ms; the hanging one ${hanging.requests.length} requests meanwhile`);
    assert.deepEqual(counts(), [total, total], 'every event reached both healthy receivers before the hanging receiver’s first request timed out');
    assert.ok(hanging.requests.length <= 2, `the hanging receiver was held to two requests at a time (${hanging.requests.length})`);
  });
});
