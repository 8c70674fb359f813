// Replicas share the work, as a deployment runs them: two dispatchers and two signers
// (separate processes on the same NATS and PostgreSQL) each do a fair part of it, no
// delivery is ever attempted by both at once (not even when one delivery of an event
// fails while another is slow, and the event is handed back), and SIGKILLing one of each
// mid-run loses nothing. Two retry-schedulers: exactly one is active at a time (a lease in
// PostgreSQL), it releases every retry exactly once, and when it is SIGKILLed the other
// takes over and nothing is lost. A delivery ledger checks the outcome each time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { CONSUMERS, HEADERS, subjects, type ServiceName } from '@hookline/contracts';
import type { ServiceHandle } from '@hookline/local-stack';
import type { InstanceSnapshot } from '@hookline/observability';
import { consumersDrained, eventually, ledgerTenant, startReceiver, startTestStack, type DeliveryLedger, type TestReceiver, type TestStack } from '@hookline/testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function health(s: ServiceHandle): Promise<InstanceSnapshot> {
  const res = await fetch(`${s.url}/health`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { instance: InstanceSnapshot }).instance;
}

/** Publishes `total` events (Paid and Refunded in turn) from `lanes` publishers at once. */
async function publishMany(ledger: DeliveryLedger, total: number, lanes = 8, offset = 0): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let i = next++; i < total; i = next++) await ledger.publish((offset + i) % 2 === 0 ? 'Orders.Paid' : 'Orders.Refunded', { i: offset + i });
    }),
  );
}

/**
 * A receiver that takes a little while to answer and notes, with when each began and
 * ended, every request for a delivery id that arrives while a request for the same id is
 * still being answered (what two replicas attempting one delivery at once look like: one
 * replica never has one delivery in flight twice).
 */
async function watchedReceiver(servers: TestReceiver[], opts: { turnAwayFirst?: boolean } = {}) {
  const t0 = Date.now();
  /** Per delivery id, each request's start and (once answered) end, in ms from t0. */
  const spans = new Map<string, { start: number; end?: number }[]>();
  const overlaps: string[] = [];
  const seen = new Set<string>();
  /** How long each answer takes (ms); a test may slow it down to keep deliveries in flight. */
  const answer = { delayMs: 15 };
  const server = await startReceiver(async (q) => {
    const id = q.headers['hookline-delivery-id'];
    const span: { start: number; end?: number } = { start: Date.now() - t0 };
    const open = (spans.get(id) ?? []).filter((s) => s.end === undefined);
    if (open.length > 0) overlaps.push(`${id}: a request at +${span.start} ms while one from +${open.map((s) => s.start).join(', +')} ms was being answered`);
    spans.set(id, [...(spans.get(id) ?? []), span]);
    try {
      await sleep(answer.delayMs);
      if (opts.turnAwayFirst && !seen.has(id)) {
        seen.add(id);
        return { status: 503, body: 'first attempts are turned away' };
      }
      return { status: 204 };
    } finally {
      span.end = Date.now() - t0;
    }
  });
  servers.push(server);
  return { server, overlaps, answer, spans };
}

/** One of an instance's work counters (0 until it has counted any). */
function counter(s: InstanceSnapshot, name: string): number {
  return s.work[name] ?? 0;
}

const EVENTS = CONSUMERS.dispatcherEvents.durable;

/** Host events a dispatcher handed back (deferred, or retried after a failure): each comes again, as a redelivery that no replica lost. */
function eventHandBacks(s: InstanceSnapshot): number {
  return counter(s, `deferred.${EVENTS}`) + counter(s, `retried.${EVENTS}`);
}

function share(counts: number[]): number[] {
  const all = counts.reduce((a, n) => a + n, 0);
  return counts.map((n) => (all > 0 ? n / all : 0));
}

describe('replicas', () => {
  let stack: TestStack;
  let nc: NatsConnection;
  const servers: TestReceiver[] = [];
  const replica: Partial<Record<ServiceName, ServiceHandle>> = {};

  before(async () => {
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        HOOKLINE_RETRY_SCHEDULE: '1s,2s,3s',
        HOOKLINE_RETRY_POLL_INTERVAL: '100ms',
        HOOKLINE_RETRY_LEASE: '2s',
        HOOKLINE_SIGNER_TIMEOUT: '2s',
      },
    });
    for (const name of ['dispatcher', 'signer', 'retry-scheduler'] as const) replica[name] = await stack.addReplica(name);
    nc = await connect({ servers: stack.nats.url });
  });
  after(async () => {
    await nc?.close();
    for (const s of servers) await s.close();
    await stack?.stop();
  });

  it('a delivery is not attempted by both dispatchers at once when another delivery of its event fails and the event is handed back', async (t) => {
    const { tenant, add } = await ledgerTenant(stack, 'replicas-overlap');
    const slow = await watchedReceiver(servers);
    const fast = await watchedReceiver(servers);
    // Slower than the hand-back of an event whose delivery is refused as "being attempted
    // already" (2 s): an event handed back before its slow delivery has been answered
    // reaches the other dispatcher while that delivery is still in flight.
    slow.answer.delayMs = 3000;
    await add('slow', slow.server, { topics: ['Orders.*'], auth: { protocol: 'none' } });
    await add('fast', fast.server, { topics: ['Orders.*'], auth: { protocol: 'none' } });
    const dispatchers = [stack.services.dispatcher, replica.dispatcher as ServiceHandle];
    const deferred0 = await Promise.all(dispatchers.map(async (d) => counter(await health(d), `deferred.${EVENTS}`)));

    // Each message carries one event twice (as a host publishing on NATS may send it): the
    // copy's deliveries have the same ids, so the dispatcher that took the message refuses
    // them at once ("being attempted already") while the first copy's delivery to the slow
    // receiver is still being answered: a delivery failing fast beside a slow one.
    const js = jetstream(nc);
    const messages = 8;
    const events: string[] = [];
    for (let i = 0; i < messages; i++) {
      const event = { id: randomUUID(), object: { type: 'order', id: `o-${i}` }, data: { i }, receivedAt: new Date().toISOString() };
      events.push(event.id);
      const h = natsHeaders();
      h.set(HEADERS.eventCount, '2');
      await js.publish(subjects.event(tenant, 'Orders.Paid'), JSON.stringify([event, event]), { msgID: `replicas-overlap-${i}`, headers: h });
    }
    const reached = (r: TestReceiver) => events.every((id) => r.requests.some((q) => q.headers['hookline-event-id'] === id));
    await eventually('every event at both receivers', async () => reached(slow.server) && reached(fast.server), 60_000);
    await consumersDrained(stack.nats.url, [CONSUMERS.dispatcherEvents], 60_000);

    const deferred = (await Promise.all(dispatchers.map(async (d) => counter(await health(d), `deferred.${EVENTS}`)))).map((n, i) => n - deferred0[i]);
    const again = slow.server.requests.length - messages;
    t.diagnostic(`events handed back per dispatcher ${deferred.join(' / ')}; ${again} slow deliveries made again, after the first attempt had been answered`);
    assert.ok(deferred.reduce((a, n) => a + n, 0) >= messages, 'each message was handed back at least once (its copy\'s deliveries refused)');
    assert.deepEqual([...slow.overlaps, ...fast.overlaps], [], 'no delivery was attempted by two dispatchers at once');
  });

  it('two dispatchers and two signers share the work, never attempt one delivery at once, and losing one of each mid-run loses nothing', async (t) => {
    const { ledger, add } = await ledgerTenant(stack, 'replicas-share');
    const all = await watchedReceiver(servers);
    const paid = await watchedReceiver(servers);
    await add('all', all.server, { topics: ['Orders.*'] });
    await add('paid', paid.server, { topics: ['Orders.Paid'], auth: { protocol: 'websub', algorithm: 'sha512' } });
    const dispatchers = [stack.services.dispatcher, replica.dispatcher as ServiceHandle];
    const signers = [stack.services.signer, replica.signer as ServiceHandle];
    const attempts0 = await Promise.all(dispatchers.map(async (d) => (await health(d)).work.attempts ?? 0));
    const signatures0 = await Promise.all(signers.map(async (s) => (await health(s)).work.signatures ?? 0));

    // Both replicas of each alive: every delivery made, shared.
    const first = 240;
    await publishMany(ledger, first);
    const r1 = await ledger.verify(120_000);
    assert.equal(r1.deliveries, first + first / 2);
    assert.equal(r1.duplicates, 0, 'with both replicas alive no delivery reached its receiver twice');
    const attempts = (await Promise.all(dispatchers.map(async (d) => (await health(d)).work.attempts ?? 0))).map((n, i) => n - attempts0[i]);
    const signatures = (await Promise.all(signers.map(async (s) => (await health(s)).work.signatures ?? 0))).map((n, i) => n - signatures0[i]);
    t.diagnostic(`attempts per dispatcher ${attempts.join(' / ')}, signatures per signer ${signatures.join(' / ')}`);
    assert.ok(attempts.reduce((a, n) => a + n, 0) >= r1.deliveries, 'every delivery was attempted by one of them');
    for (const [i, s] of share(attempts).entries()) assert.ok(s >= 0.3, `dispatcher ${i + 1} made ${Math.round(s * 100)}% of the attempts (${attempts.join(' / ')})`);
    for (const [i, s] of share(signatures).entries()) assert.ok(s >= 0.3, `signer ${i + 1} made ${Math.round(s * 100)}% of the signatures (${signatures.join(' / ')})`);

    // One dispatcher and one signer are SIGKILLed mid-run and not started again. The
    // receivers answer slowly meanwhile, so the killed dispatcher is surely holding events
    // it has not acknowledged: they must come back to the other one.
    const second = 160;
    const base = all.server.requests.length;
    const replicaAttempts = (await health(replica.dispatcher as ServiceHandle)).work.attempts ?? 0;
    const survivor0 = await health(stack.services.dispatcher);
    const replicaHandBacks0 = eventHandBacks(await health(replica.dispatcher as ServiceHandle));
    all.answer.delayMs = paid.answer.delayMs = 400;
    const publishing = publishMany(ledger, second, 4, first);
    await eventually('deliveries flowing', async () => all.server.requests.length >= base + 40, 60_000);
    await eventually('the replica dispatcher at work', async () => ((await health(replica.dispatcher as ServiceHandle)).work.attempts ?? 0) > replicaAttempts + 10, 60_000);
    const replicaHandBacks = eventHandBacks(await health(replica.dispatcher as ServiceHandle)) - replicaHandBacks0;
    await (replica.dispatcher as ServiceHandle).kill('SIGKILL');
    await sleep(300);
    await (replica.signer as ServiceHandle).kill('SIGKILL');
    all.answer.delayMs = paid.answer.delayMs = 15;
    await publishing;
    // The killed dispatcher's unacknowledged events come back to the other one after their ack wait (30 s).
    const r2 = await ledger.verify(150_000);
    t.diagnostic(`${r2.deliveries} deliveries, ${r2.requests} requests (${r2.duplicates} repeats)`);
    assert.equal(r2.deliveries, (first + second) * 1.5);
    assert.deepEqual([...all.overlaps, ...paid.overlaps], [], 'no delivery was attempted by two dispatchers at once');
    // Host events the survivor handled as redeliveries, less every hand-back (by either
    // dispatcher: each brings one redelivery at most): what is left came back because the
    // killed one died holding it. (First attempts and orders are handed back whenever a
    // receiver is busy, so their redeliveries say nothing of the kill.)
    const survivor = await health(stack.services.dispatcher);
    const redeliveredEvents = counter(survivor, `redelivered.${EVENTS}`) - counter(survivor0, `redelivered.${EVENTS}`);
    const handBacks = eventHandBacks(survivor) - eventHandBacks(survivor0) + replicaHandBacks;
    const takenOver = redeliveredEvents - handBacks;
    t.diagnostic(`the surviving dispatcher took ${redeliveredEvents} events again, ${handBacks} of them (at most) after a hand-back: ${takenOver} the killed one had not acknowledged`);
    assert.ok(takenOver > 0, 'the killed dispatcher held unacknowledged events, and the other one took them over');
  });

  it('one retry-scheduler is active at a time, releases every retry once, and the other takes over when it is killed', async (t) => {
    const { tenant, ledger, add } = await ledgerTenant(stack, 'replicas-retry');
    const flaky = await watchedReceiver(servers, { turnAwayFirst: true });
    await add('flaky', flaky.server, { topics: ['Orders.*'], auth: { protocol: 'none' } });
    const schedulers = [stack.services['retry-scheduler'], replica['retry-scheduler'] as ServiceHandle];

    // Every publish of a due order, as the broker saw it (a repeat the stream would drop included).
    const released = new Map<string, number>();
    const releasedAt = new Map<string, number[]>();
    const sub = nc.subscribe(`hookline.dispatch.due.${tenant}`);
    void (async () => {
      for await (const m of sub) {
        const o = m.json<{ deliveryId: string; attempt: number }>();
        const key = `${o.deliveryId}:${o.attempt}`;
        released.set(key, (released.get(key) ?? 0) + 1);
        releasedAt.set(key, [...(releasedAt.get(key) ?? []), Date.now()]);
      }
    })();

    const roles = async () => Promise.all(schedulers.map(async (s) => (await health(s)).state.role));
    const leaderIndex = await eventually('one active retry-scheduler', async () => {
      const r = await roles();
      return r.filter((x) => x === 'leader').length === 1 && r.filter((x) => x === 'standby').length === 1 ? r.indexOf('leader') : undefined;
    }, 30_000);
    const before = await Promise.all(schedulers.map(async (s) => (await health(s)).work['retries.released'] ?? 0));

    const first = 40;
    await publishMany(ledger, first, 4);
    const r1 = await ledger.verify(120_000);
    assert.equal(r1.deliveries, first);
    const releasedBy = (await Promise.all(schedulers.map(async (s) => (await health(s)).work['retries.released'] ?? 0))).map((n, i) => n - before[i]);
    t.diagnostic(`retries released per instance: ${releasedBy.join(' / ')} (active: ${leaderIndex + 1})`);
    assert.equal(releasedBy[1 - leaderIndex], 0, 'the standby released nothing');
    assert.equal(releasedBy[leaderIndex], first, 'the active one released each delivery’s one retry');
    assert.deepEqual([...released.values()].filter((n) => n > 1), [], 'no retry was published twice');
    assert.equal(released.size, first);
    assert.deepEqual(await roles(), leaderIndex === 0 ? ['leader', 'standby'] : ['standby', 'leader'], 'the roles did not change');

    // The active one is SIGKILLed with retries waiting; the other takes over within the lease and releases them.
    const second = 40;
    const base2 = flaky.server.requests.length;
    const publishing = publishMany(ledger, second, 4, first);
    await eventually('retries waiting', async () => flaky.server.requests.length >= base2 + 20, 60_000);
    await schedulers[leaderIndex].kill('SIGKILL');
    const killedAt = Date.now();
    await eventually('the other retry-scheduler active', async () => (await health(schedulers[1 - leaderIndex])).state.role === 'leader', 30_000);
    t.diagnostic(`took over ${Date.now() - killedAt} ms after the kill (lease 2 s)`);
    await publishing;
    const r2 = await ledger.verify(150_000);
    assert.equal(r2.deliveries, first + second);
    // Each delivery: the first attempt turned away, then exactly one retry reached the receiver.
    const perDelivery = new Map<string, number>();
    for (const q of flaky.server.requests) perDelivery.set(q.headers['hookline-delivery-id'], (perDelivery.get(q.headers['hookline-delivery-id']) ?? 0) + 1);
    assert.deepEqual([...perDelivery.values()].filter((n) => n !== 2), [], 'every delivery got its first attempt and one retry, no retry twice');
    // As the broker saw it (the stream's de-duplication would hide a second release from the
    // receiver): every retry released, and twice only because of the kill: the first release
    // the killed one's, in a transaction the kill cut before it committed (its rows were
    // still there), or the new leader's first sweep, with a failed order the killed one had
    // not acknowledged coming back after its ack wait (30 s) and scheduling the retry again
    // (released under the same message id, which the stream drops).
    assert.equal(released.size, first + second, 'every retry was released');
    const repeated = [...releasedAt.entries()].filter(([, at]) => at.length > 1);
    t.diagnostic(`${repeated.length} retries released again after the kill`);
    for (const [key, at] of repeated) {
      assert.equal(at.length, 2, `retry ${key} released ${at.length} times`);
      assert.ok(at[0] <= killedAt + 5000 && at[1] >= killedAt, `retry ${key} released twice, not across the kill (${at.map((x) => x - killedAt).join(', ')} ms from it)`);
    }
    sub.unsubscribe();
    // Started again, it stands by: the lease stays with the one that took over.
    await schedulers[leaderIndex].start();
    await sleep(3000);
    assert.deepEqual(await roles(), leaderIndex === 0 ? ['standby', 'leader'] : ['leader', 'standby']);
  });
});
