// The retry schedule (compressed: 1s, 2s, 3s, 4s stands for 1h, 2h, 6h, 24h), recovery
// mid-schedule, Retry-After, and restarts of the dispatcher and of nats-server mid-run
// losing nothing, with every duplicate carrying the same delivery id and body.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONSUMERS, RECEIVER_CREATION_GRACE_MS } from '@hookline/contracts';
import { createAccount, eventually, startReceiver, startTestStack, TestReceiver, TestStack } from '@hookline/testing';

const TENANT = 'retries';
const SCHEDULE_MS = [1000, 2000, 3000, 4000];

describe('webhook retries', () => {
  let stack: TestStack;
  let accountId: string;
  const receivers: TestReceiver[] = [];
  let n = 0;

  async function setupReceiver(respond: TestReceiver['respond'], topics = ['Orders.*']) {
    const r = await startReceiver(respond);
    receivers.push(r);
    const res = await stack.operator.post('/v1/receivers', { tenant: TENANT, name: `r${++n}`, url: r.url, topics, accountId, auth: { protocol: 'websub' } });
    assert.equal(res.status, 201, res.text);
    return { r, id: res.body.receiver.id as string };
  }

  async function publish(data: Record<string, unknown> = {}, topic = 'Orders.Paid') {
    const res = await stack.operator.post('/v1/events', { tenant: TENANT, topic, object: { type: 'order', id: String(++n) }, data });
    assert.equal(res.status, 202, res.text);
    return res.body.id as string;
  }

  async function finalDelivery(receiverId: string, eventId: string, status: string, timeoutMs = 40_000) {
    return eventually(`${status} delivery`, async () => {
      const list = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${receiverId}&limit=500`);
      return list.body.data.find((d: { eventId: string; status: string }) => d.eventId === eventId && d.status === status);
    }, timeoutMs);
  }

  before(async () => {
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        HOOKLINE_RETRY_SCHEDULE: SCHEDULE_MS.map((ms) => `${ms}ms`).join(','),
        HOOKLINE_RETRY_POLL_INTERVAL: '50ms',
        HOOKLINE_RETRY_MAX_RETRY_AFTER: '10s',
      },
    });
    assert.equal((await stack.operator.post('/v1/tenants', { id: TENANT, name: 'Retries' })).status, 201);
    for (const name of ['Orders.Paid', 'Orders.Bulk']) assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name })).status, 201);
    accountId = (await createAccount(stack.operator, { tenant: TENANT, name: 'receiving', grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] })).id;
  });
  after(async () => {
    for (const r of receivers) await r.close();
    await stack?.stop();
  });

  it('follows the schedule after each previous attempt and ends in failed after the 4th retry', async () => {
    const { r, id } = await setupReceiver(() => ({ status: 503, body: 'down for maintenance' }));
    const eventId = await publish();
    const d = await finalDelivery(id, eventId, 'failed');
    assert.equal(d.attempts, 5);
    assert.equal(d.lastStatusCode, 503);
    assert.equal(r.requests.length, 5);
    const detail = await stack.operator.get(`/v1/deliveries/${d.id}?tenant=${TENANT}`);
    // The schedule counts from when each attempt started, as the log records it.
    const times = detail.body.attemptLog.map((a: { at: string }) => Date.parse(a.at));
    assert.equal(times.length, 5);
    for (let i = 1; i < times.length; i++) {
      const gap = times[i] - times[i - 1];
      assert.ok(gap >= SCHEDULE_MS[i - 1], `retry ${i} started ${gap} ms after the previous attempt, before its ${SCHEDULE_MS[i - 1]} ms`);
    }
    assert.equal(new Set(r.requests.map((q) => q.headers['webhook-id'])).size, 1, 'the same delivery id on every attempt');
    assert.equal(new Set(r.requests.map((q) => q.body)).size, 1, 'the same body on every attempt');
    assert.equal(new Set(r.requests.map((q) => q.headers['x-hub-signature'])).size, 1);
    assert.equal(detail.body.attemptLog.length, 5);
    assert.match(detail.body.statusReason, /failed after 5 attempts/);
    for (const a of detail.body.attemptLog) {
      assert.equal(a.statusCode, 503);
      assert.equal(a.errorClass, 'http-status');
      assert.equal(a.responseBody, 'down for maintenance');
    }
    // Nothing more after the final state.
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal(r.requests.length, 5);
  });

  it('recovers to succeeded mid-schedule', async () => {
    const { r, id } = await setupReceiver((_q, i) => (i < 2 ? { status: 500 } : { status: 200 }));
    const eventId = await publish({ recover: true });
    const d = await finalDelivery(id, eventId, 'succeeded');
    assert.equal(d.attempts, 3);
    assert.equal(d.lastStatusCode, 200);
    assert.equal(d.nextAttemptAt, null);
    assert.equal(r.requests.length, 3);
  });

  it('a scheduled delivery shows its next attempt time', async () => {
    let calls = 0;
    const { id } = await setupReceiver(() => (++calls === 1 ? { status: 500 } : { status: 200 }));
    const eventId = await publish();
    const d = await finalDelivery(id, eventId, 'scheduled', 10_000);
    assert.ok(d.nextAttemptAt && Date.parse(d.nextAttemptAt) > Date.parse(d.lastAttemptAt));
    await finalDelivery(id, eventId, 'succeeded');
  });

  it('Retry-After lengthens a wait but never shortens it', async () => {
    const { r, id } = await setupReceiver((_q, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '3' } } : i === 1 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 200 }));
    const eventId = await publish();
    const done = await finalDelivery(id, eventId, 'succeeded');
    assert.equal(r.requests.length, 3);
    const detail = await stack.operator.get(`/v1/deliveries/${done.id}?tenant=${TENANT}`);
    const [a, b, c] = detail.body.attemptLog.map((x: { at: string }) => Date.parse(x.at));
    assert.ok(b - a >= 3000, `Retry-After: 3 waited only ${b - a} ms`);
    assert.ok(c - b >= SCHEDULE_MS[1], `Retry-After: 0 shortened the wait to ${c - b} ms`);
  });

  it('resending a delivery that waits for its retry sends it now, and its success ends the wait', async () => {
    const { r, id } = await setupReceiver((_q, i) => (i === 0 ? { status: 503, headers: { 'retry-after': '6' } } : { status: 200 }));
    const eventId = await publish();
    const waiting = await finalDelivery(id, eventId, 'scheduled', 10_000);
    const res = await stack.operator.post(`/v1/deliveries/${waiting.id}/resend?tenant=${TENANT}`);
    assert.equal(res.status, 202, res.text);
    const done = await finalDelivery(id, eventId, 'succeeded', 5000);
    assert.equal(done.attempts, 2);
    await new Promise((res2) => setTimeout(res2, 7000));
    assert.equal(r.requests.length, 2, 'the scheduled retry was dropped after the resend succeeded');
  });

  it('a receiver that redirects is not followed: a 3xx is a failure', async () => {
    const target = await startReceiver();
    receivers.push(target);
    const { id } = await setupReceiver(() => ({ status: 302, headers: { location: `${target.url}/elsewhere` } }));
    const eventId = await publish();
    const d = await eventually('the first failed attempt', async () => {
      const x = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${id}`);
      const found = x.body.data.find((q: { eventId: string }) => q.eventId === eventId);
      return found && found.attempts >= 1 ? found : undefined;
    });
    assert.equal(d.lastErrorClass, 'redirect');
    assert.equal(target.requests.length, 0, 'the redirect target was never called');
  });

  it('an event stored before a receiver was created does not reach it, however late it is fanned out', async () => {
    const { r: older } = await setupReceiver(() => ({ status: 200 }));
    // The dispatcher is down: the event waits in the stream while a receiver is created.
    await stack.services.dispatcher.stop();
    const before = await publish();
    await new Promise((res) => setTimeout(res, RECEIVER_CREATION_GRACE_MS + 200));
    const { r: newer } = await setupReceiver(() => ({ status: 200 }));
    await stack.services.dispatcher.start();
    const after = await publish();
    const got = (x: TestReceiver) => x.requests.map((q) => JSON.parse(q.body).id as string);
    await eventually('both events at the older receiver, the later one at the newer', async () => got(older).includes(before) && got(older).includes(after) && got(newer).includes(after));
    // The earlier event was fanned out (to the older receiver) when the newer one already existed: it was left out.
    assert.deepEqual(got(newer), [after]);
  });

  it('restarts of the dispatcher and of nats-server mid-run lose nothing; duplicates carry the same delivery id and body', async (t) => {
    // A topic of its own: a nats-server crash may lose a durable consumer's place, and the
    // dispatcher then reads the events stream again from its first event. Earlier tests'
    // events stored within RECEIVER_CREATION_GRACE_MS of this receiver's creation would
    // then reach it too, as events of their own (not duplicates of these).
    const { r, id } = await setupReceiver(() => ({ status: 200 }), ['Orders.Bulk']);
    const t0 = Date.now();
    const phase = (what: string) => t.diagnostic(`${what}: ${Date.now() - t0} ms, ${r.requests.length} requests`);
    const total = 120;
    const eventIds: string[] = [];
    const publisher = (async () => {
      for (let i = 0; i < total; i++) {
        const res = await eventually('event accepted', async () => {
          const x = await stack.operator.post('/v1/events', { tenant: TENANT, topic: 'Orders.Bulk', object: { type: 'order', id: `bulk-${i}` }, data: { i } }, { 'idempotency-key': `bulk-${i}` });
          return x.status === 202 ? x : undefined;
        }, 60_000, 200);
        eventIds.push(res.body.id);
        await new Promise((res2) => setTimeout(res2, 15));
      }
    })();
    await eventually('deliveries flowing', async () => r.requests.length > 20);
    phase('dispatcher killed');
    await stack.services.dispatcher.kill('SIGKILL');
    await stack.services.dispatcher.start();
    phase('dispatcher back');
    await eventually('more deliveries', async () => r.requests.length > 60, 30_000);
    phase('nats-server killed');
    await stack.nats.kill('SIGKILL');
    await new Promise((res) => setTimeout(res, 300));
    await stack.nats.start();
    phase('nats-server back');
    await publisher;
    phase(`all ${total} events accepted`);
    assert.equal(new Set(eventIds).size, total);
    // Ledger: every event reached the receiver; duplicates are the same delivery, byte for byte.
    // What a killed process (or one cut off from a killed nats-server) had pulled and not
    // acknowledged comes back after its consumer's ack wait: up to the longest of them, and a margin.
    const recoveryMs = Math.max(...Object.values(CONSUMERS).map((c) => c.ackWaitMs)) + 30_000;
    const missing = () => {
      const got = new Set(r.requests.map((q) => JSON.parse(q.body).id));
      return eventIds.filter((e) => !got.has(e));
    };
    await eventually('every event delivered', async () => missing().length === 0, recoveryMs).catch(async (err: Error) => {
      const log = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${id}&limit=500`);
      const states = missing().map((e) => {
        const d = log.body.data.find((x: { eventId: string }) => x.eventId === e);
        return `${e}: ${d ? `${d.status} after ${d.attempts} attempt(s)${d.lastErrorClass ? `, ${d.lastErrorClass}` : ''}` : 'no delivery in the log'}`;
      });
      throw new Error(`${err.message}; ${states.length} event(s) never reached the receiver:\n${states.join('\n')}`);
    });
    phase('every event delivered');
    const byDelivery = new Map<string, { event: string; bodies: Set<string> }>();
    for (const q of r.requests) {
      const d = q.headers['webhook-id'];
      const entry = byDelivery.get(d) ?? { event: JSON.parse(q.body).id, bodies: new Set() };
      entry.bodies.add(q.body);
      byDelivery.set(d, entry);
    }
    assert.deepEqual([...byDelivery.values()].map((e) => e.event).filter((e) => !eventIds.includes(e)), [], 'only this test\'s events');
    assert.equal(byDelivery.size, total, 'one delivery id per event');
    for (const [, e] of byDelivery) assert.equal(e.bodies.size, 1, 'a duplicate carries the same body');
    // Every delivery ends in exactly one final state, and the log caught up.
    await eventually('all deliveries succeeded in the log', async () => {
      let all: { status: string }[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${id}&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
        all = all.concat(page.body.data);
        cursor = page.body.nextCursor;
      } while (cursor);
      return all.length === total && all.every((d) => d.status === 'succeeded');
    }, 60_000);
    phase('the log caught up');
  });
});
