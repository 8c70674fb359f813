// One receiver that has begun to hang must not hold back the other receivers of the same
// events. First attempts are made straight from fan-out while the host event waits,
// unacknowledged, in one of the dispatcher's HOOKLINE_DISPATCH_CONCURRENCY places; a
// receiver that had just started hanging looked fast for its first moments, so every
// event was let wait for it, every place filled, and the healthy receivers got an event
// only as often as the hanging one timed out (found by the bench's isolation scenario:
// 0.15× the all-healthy rate). This runs the same shape small enough to see it plainly.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ledgerTenant, suiteStack } from '@hookline/testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a hanging receiver does not hold back the others', () => {
  const suite = suiteStack({
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
  const { servers } = suite;

  it('delivers every event to the healthy receivers while one receiver holds every request until the deadline', async (t) => {
    const tenant = await ledgerTenant(suite.stack(), 'isolation', ['Orders.Paid']);
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

// A receiver that accepts connections and never answers holds each request until the
// deadline. Held at full width, it would take every one of its slots round after round
// (and each round's timeouts, ending together, would pace its orders as if it answered
// fast). The dispatcher cuts such a receiver to two probes after three timeouts in a row
// and gives it its slots back, doubling, once it answers again (ReceiverGate).
describe('a receiver that hangs is probed, not held at full width, and gets its slots back once it answers', () => {
  const suite = suiteStack({
    env: {
      HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
      HOOKLINE_DISPATCH_PER_RECEIVER_CONCURRENCY: '8',
      HOOKLINE_EGRESS_DEADLINE: '1s',
      HOOKLINE_RETRY_POLL_INTERVAL: '100ms',
      HOOKLINE_RETRY_SCHEDULE: '1s,1s,2s,2s,2s,2s,2s,2s,2s,2s',
    },
  });
  const { servers } = suite;

  it('holds two requests at a time to it while it hangs, all eight once it answers, and delivers every event exactly as the ledger says', async (t) => {
    const stack = suite.stack();
    const tenant = await ledgerTenant(stack, 'probed', ['Orders.Paid']);
    let hanging = true;
    let inFlight = 0;
    let maxInFlight = 0;
    const flaky = await tenant.serve('flaky', servers, async () => {
      if (hanging) return 'hang';
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(100);
      inFlight--;
      return { status: 204 };
    });
    const healthy = await tenant.serve('healthy', servers);

    for (let i = 0; i < 40; i++) await tenant.ledger.publish('Orders.Paid', { i, phase: 'hanging' });
    while (flaky.requests.length === 0) await sleep(20);
    const firstAt = flaky.requests[0].at;
    // The first round takes all eight slots; the first timeouts come a second later. From
    // 1.5 s on, after the cut: two probes, each held a second.
    await sleep(Math.max(0, firstAt + 4_500 - Date.now()));
    const window = flaky.requests.filter((q) => q.at >= firstAt + 1_500 && q.at < firstAt + 4_500).length;
    const firstRound = flaky.requests.filter((q) => q.at < firstAt + 500).length;
    hanging = false;
    t.diagnostic(`while it hung: ${firstRound} requests in the first round, ${window} in the 3 s from +1.5 s (${flaky.requests.length} in all)`);
    assert.equal(firstRound, 8, 'every slot at first: nothing is known of it yet');
    assert.ok(window <= 10, `two probes a second in the three seconds after the cut, not eight (${window} requests)`);

    for (let i = 0; i < 40; i++) await tenant.ledger.publish('Orders.Paid', { i, phase: 'answering' });
    const { duplicates } = await tenant.ledger.verify(60_000);
    t.diagnostic(`once it answered: up to ${maxInFlight} requests at once; ${duplicates} repeated requests (timed-out attempts sent again)`);
    assert.ok(maxInFlight > 4, `its slots came back once it answered, doubled more than once (${maxInFlight} at most at once)`);
    assert.equal(new Set(healthy.requests.map((q) => q.headers['hookline-event-id'])).size, 80);
    // The operator sees it: the dispatcher's work counters (GET /health, and /metrics as hookline_instance_work_total).
    const health = (await (await fetch(`${stack.services.dispatcher.url}/health`)).json()) as { instance: { work: Record<string, number> } };
    assert.ok((health.instance.work['receivers.cut'] ?? 0) >= 1, JSON.stringify(health.instance.work));
    assert.ok((health.instance.work['receivers.answering-again'] ?? 0) >= 1, JSON.stringify(health.instance.work));
  });
});
