// A receiver that is busy for long gets its further orders parked in the retry-scheduler's
// agenda (acked, out of the dispatcher consumer's ack window) instead of handed back to
// JetStream again and again (or, when its turn is already far off as its event is fanned
// out, straight from there): the other receivers go on at once, and when the slow one's
// turn comes every parked order is released and delivered, once, under its delivery id.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { CONSUMERS } from '@hookline/contracts';
import { ledgerTenant, listAllDeliveries, startTestStack, TestReceiver, TestStack } from '@hookline/testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('parking orders of a busy receiver', () => {
  let stack: TestStack;
  const servers: TestReceiver[] = [];

  before(async () => {
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        // Two at a time per receiver; anything not due within 300 ms is parked.
        HOOKLINE_DISPATCH_PER_RECEIVER_CONCURRENCY: '2',
        HOOKLINE_DISPATCH_PARK_AFTER: '300ms',
        HOOKLINE_RETRY_POLL_INTERVAL: '100ms',
      },
    });
  });
  after(async () => {
    for (const s of servers) await s.close();
    await stack?.stop();
  });

  it('parks the slow receiver’s orders, keeps the fast one going, and delivers everything once', async (t) => {
    const setup = await ledgerTenant(stack, 'parking', ['Orders.Paid']);
    const { tenant, ledger } = setup;
    // Each request to the slow receiver takes 400 ms: 30 orders take at least 6 s at two at a time.
    const slow = await setup.serve('slow', servers, async () => {
      await sleep(400);
      return { status: 200 };
    });
    const fast = await setup.serve('fast', servers);

    const nc = await connect({ servers: stack.nats.url });
    const jsm = await jetstreamManager(nc);
    const parkedBefore = (await jsm.consumers.info(CONSUMERS.retrySchedulerParked.stream, CONSUMERS.retrySchedulerParked.durable)).delivered.consumer_seq;
    try {
      const total = 30;
      for (let i = 0; i < total; i++) await ledger.publish('Orders.Paid', { i });
      const result = await ledger.verify(120_000);
      t.diagnostic(`${total} events, ${result.deliveries} deliveries, ${result.requests} requests`);
      assert.equal(result.deliveries, 2 * total);

      const messages = (await jsm.consumers.info(CONSUMERS.retrySchedulerParked.stream, CONSUMERS.retrySchedulerParked.durable)).delivered.consumer_seq - parkedBefore;
      // Those whose turn was already far off when their event was fanned out went into the
      // agenda from there (how many depends on the timing: attempt-runner.spec.ts has the rule).
      const health = await fetch(`${stack.services.dispatcher.url}/health`);
      const { work } = ((await health.json()) as { instance: { work: Record<string, number> } }).instance;
      const parked = work['orders.parked'] ?? 0;
      t.diagnostic(`${parked} orders parked in ${work['orders.parked.messages'] ?? 0} messages (${messages} handed to the retry-scheduler); parked from fan-out ${work['orders.parked.from-fan-out'] ?? 0}, handed back ${work['orders.handed-back'] ?? 0}`);
      assert.ok(parked > 0, 'the slow receiver’s orders were parked');
      // Parked orders travel in batches (ParkRecorder): never more messages than orders, and
      // the retry-scheduler was handed every message the dispatcher sent.
      const batches = work['orders.parked.messages'] ?? 0;
      assert.ok(batches > 0 && batches <= parked, `${batches} messages for ${parked} orders`);
      assert.ok(messages >= batches, `the retry-scheduler was handed ${messages} of ${batches} messages`);
      // The fast receiver did not wait for the slow one.
      const lastFast = Math.max(...fast.requests.map((q) => q.at));
      const lastSlow = Math.max(...slow.requests.map((q) => q.at));
      assert.ok(lastFast < lastSlow, 'the fast receiver had everything before the slow one was through');
      // Parking is not a retry: every delivery succeeded at its first attempt, each request once.
      const slowLog = await listAllDeliveries(stack.operator, tenant);
      assert.ok(slowLog.every((d) => d.status === 'succeeded' && d.attempts === 1), JSON.stringify(slowLog.filter((d) => d.attempts !== 1).slice(0, 3)));
      assert.equal(slow.requests.length, total, 'one request per delivery');
      // Nothing left waiting in the dispatcher consumers' windows.
      for (const c of [CONSUMERS.dispatcherFirstAttempts, CONSUMERS.dispatcherOrders]) {
        const info = await jsm.consumers.info(c.stream, c.durable);
        assert.equal(info.num_ack_pending, 0, c.durable);
      }
    } finally {
      await nc.close();
    }
  });
});
