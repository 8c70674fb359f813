// Fault injection, dependencies: PostgreSQL restarted mid-run (a stack with a PostgreSQL
// of its own, so no other test file is touched), a receiver failing with 500s for a
// while and then recovering, and receivers that accept the connection and trickle one
// byte a second (the attempt is cut at its deadline, the other receivers keep their
// pace). A delivery ledger proves that nothing was lost in each.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventually,
  ledgerTenant,
  listAllDeliveries,
  startReceiver,
  startTestStack,
  startTrickleReceiver,
  TestReceiver,
  TestStack,
} from '@hookline/testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DEADLINE_MS = 2000;

describe('fault injection: PostgreSQL, failing and trickling receivers', () => {
  let stack: TestStack;
  const closers: { close(): Promise<void> }[] = [];

  before(async () => {
    stack = await startTestStack({
      ownPostgres: true,
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        HOOKLINE_EGRESS_DEADLINE: `${DEADLINE_MS}ms`,
        HOOKLINE_EGRESS_CONNECT_TIMEOUT: '1s',
        HOOKLINE_RETRY_SCHEDULE: '1s,2s,3s,4s',
        HOOKLINE_RETRY_POLL_INTERVAL: '100ms',
      },
    });
    assert.ok(stack.postgres, 'the stack runs a PostgreSQL of its own');
  });
  after(async () => {
    for (const c of closers) await c.close();
    await stack?.stop();
  });

  async function tenantWithAccount(tenant: string) {
    const t = await ledgerTenant(stack, tenant);
    const add = async (label: string, server: { url: string; requests: TestReceiver['requests'] }, topics: string[] = ['Orders.*']) => (await t.add(label, server, { topics })).id;
    return { tenant, ledger: t.ledger, add };
  }

  async function receiver(respond?: TestReceiver['respond']) {
    const r = await startReceiver(respond);
    closers.push(r);
    return r;
  }

  it('a PostgreSQL restart mid-run (immediate shutdown, crash recovery) loses nothing', async () => {
    const t = await tenantWithAccount('pg-restart');
    const a = await receiver();
    const b = await receiver();
    const seenOnce = new Set<string>();
    // Turns away each first attempt: every delivery to it also goes through the retry-scheduler's table.
    const flaky = await receiver((q) => {
      const id = q.headers['hookline-delivery-id'];
      if (seenOnce.has(id)) return { status: 200 };
      seenOnce.add(id);
      return { status: 503 };
    });
    await t.add('a', a);
    await t.add('b', b, ['Orders.Paid']);
    await t.add('flaky', flaky);
    const total = 90;
    let published = 0;
    const publishing = (async () => {
      for (let i = 0; i < total; i++) {
        await t.ledger.publish(i % 2 ? 'Orders.Refunded' : 'Orders.Paid', { i });
        published++;
        await sleep(25);
      }
    })();
    await eventually('deliveries flowing', async () => published >= 30 && a.requests.length >= 10 && flaky.requests.length >= 10, 60_000);
    const pg = stack.postgres;
    assert.ok(pg);
    // SIGQUIT is PostgreSQL's immediate shutdown: every backend dies without a checkpoint,
    // and the next start replays the WAL, as after a crash. (A SIGKILL of the postmaster
    // alone would orphan its backends and keep the next start from getting the shared memory.)
    await pg.kill('SIGQUIT');
    let during;
    try {
      // The outage is real to the platform: the webhook log cannot be read, and says so with a 503.
      during = await stack.operator.get(`/v1/deliveries?tenant=${t.tenant}`);
      await sleep(3000);
    } finally {
      await pg.start();
    }
    assert.equal(during.status, 503, `while PostgreSQL was down: ${during.status} ${during.text}`);
    assert.match(during.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.ok(Number(during.headers.get('retry-after')) > 0);
    await publishing;
    const result = await t.ledger.verify(150_000);
    assert.equal(result.deliveries, total * 3 - total / 2);
    // Every service is ready again, PostgreSQL included.
    for (const svc of Object.values(stack.services)) {
      await eventually(`${svc.name} ready`, async () => (await fetch(`${svc.url}/ready`)).status === 200, 30_000);
    }
  });

  it('a receiver failing with 500s for a while recovers: every delivery succeeds on a retry, same id and body', async () => {
    const t = await tenantWithAccount('recovering');
    let outageUntil = Infinity;
    const failing = await receiver(() => {
      if (outageUntil === Infinity) outageUntil = Date.now() + 4000;
      return Date.now() < outageUntil ? { status: 500, body: 'we are down' } : { status: 204 };
    });
    const healthy = await receiver();
    const failingId = await t.add('failing', failing);
    await t.add('healthy', healthy);
    const total = 40;
    for (let i = 0; i < total; i++) {
      await t.ledger.publish(i % 2 ? 'Orders.Refunded' : 'Orders.Paid', { i });
      await sleep(50);
    }
    const result = await t.ledger.verify(60_000);
    assert.equal(result.deliveries, total * 2);
    assert.ok(result.duplicates > 0, 'the failing receiver got retries');
    const log = await listAllDeliveries(stack.operator, t.tenant, `target=${failingId}`);
    const retried = log.filter((d) => d.attempts > 1);
    assert.ok(retried.length > 0);
    const detail = await stack.operator.get(`/v1/deliveries/${retried[0].id}?tenant=${t.tenant}`);
    assert.equal(detail.body.attemptLog[0].statusCode, 500);
    assert.equal(detail.body.attemptLog[0].errorClass, 'http-status');
    assert.equal(detail.body.attemptLog[0].responseBody, 'we are down');
    assert.equal(detail.body.attemptLog.at(-1).statusCode, 204);
  });

  it('receivers that trickle one byte a second are cut at the deadline, and the others are not slowed', async (tc) => {
    const t = await tenantWithAccount('trickle');
    const slowHead = await startTrickleReceiver({ mode: 'status-line' });
    const slowBody = await startTrickleReceiver({ mode: 'body' });
    closers.push(slowHead, slowBody);
    const healthy = [await receiver(), await receiver(), await receiver()];
    const slowIds = [await t.add('slow-head', slowHead), await t.add('slow-body', slowBody)];
    for (const [i, h] of healthy.entries()) await t.add(`healthy-${i}`, h);
    // Publish while the tricklers hold their connections; time each event from its 202.
    const acceptedAt = new Map<string, number>();
    const total = 30;
    for (let i = 0; i < total; i++) {
      const e = await t.ledger.publish('Orders.Paid', { i });
      acceptedAt.set(e.id, Date.now());
      await sleep(40);
    }
    await eventually('every healthy receiver has every event', async () => healthy.every((h) => h.requests.length >= total), 20_000);
    const latencies = healthy.flatMap((h) => h.requests.map((q) => q.at - (acceptedAt.get(q.headers['hookline-event-id']) ?? NaN))).sort((x, y) => x - y);
    const p50 = latencies[Math.floor(latencies.length / 2)];
    const max = latencies[latencies.length - 1];
    assert.ok(!Number.isNaN(max));
    tc.diagnostic(`healthy receivers while two trickle: p50 ${p50} ms, max ${max} ms after the 202`);
    // A healthy delivery that waited behind a trickler would take at least the deadline.
    // (No bound on the p50: how fast a delivery goes is the bench's business, not the suite's.)
    assert.ok(max < DEADLINE_MS * 0.75, `healthy deliveries took up to ${max} ms (p50 ${p50} ms) while the tricklers hung`);
    // The tricklers' attempts were cut at the deadline, as timeouts.
    for (const id of slowIds) {
      const d = await eventually('a cut attempt in the log', async () => (await listAllDeliveries(stack.operator, t.tenant, `target=${id}`)).find((x) => x.attempts >= 1 && x.lastErrorClass === 'timeout'));
      const detail = await stack.operator.get(`/v1/deliveries/${d.id}?tenant=${t.tenant}`);
      const first = detail.body.attemptLog[0];
      assert.equal(first.errorClass, 'timeout', JSON.stringify(first));
      assert.equal(first.ok, false);
      assert.ok(first.durationMs >= DEADLINE_MS - 100 && first.durationMs < DEADLINE_MS + 1500, `attempt lasted ${first.durationMs} ms`);
    }
    for (const slow of [slowHead, slowBody]) {
      await eventually('the tricklers see their connections closed', async () => slow.cutAfterMs.length >= 1);
      assert.ok(slow.cutAfterMs.every((ms) => ms >= DEADLINE_MS - 100 && ms < DEADLINE_MS + 1500), `cut after ${slow.cutAfterMs.join(', ')} ms`);
    }
    // They recover; their deliveries succeed on a retry, and the ledger balances.
    slowHead.trickling = false;
    slowBody.trickling = false;
    const result = await t.ledger.verify(90_000);
    assert.equal(result.deliveries, total * 5);
  });
});
