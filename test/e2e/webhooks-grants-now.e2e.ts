// "Taking grants away narrows at once", for every attempt and not only the first: a retry
// or a resend goes out only if the receiving account's grants as they are now (and the
// receiver's bound) allow the event, as fan-out decides for a new one. Over real HTTP with
// real receivers on loopback: a resend after the account's grants were narrowed away from
// the event's unit, a resend after the account was disabled, a retry waiting while the
// account was disabled; and a delivered delivery whose receiver was deleted since keeps
// its outcome when it is resent (the refused resend is logged as an attempt not made).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAccount, eventually, startReceiver, startTestStack, type TestReceiver, type TestStack } from '@hookline/testing';

const TENANT = 'grantsnow';
const receive = (units: '*' | string[]) => ({ actions: ['webhooks:receive'], units, topics: '*' as const });
/** Final states: what a delivery (or a decision about one) ends in. */
const DECIDED = new Set(['succeeded', 'failed', 'filtered', 'cancelled', 'purged']);

interface Delivery {
  id: string;
  eventId: string;
  status: string;
  statusReason?: string;
}

describe('event webhooks: retries and resends check the receiving account as it is now', () => {
  let stack: TestStack;
  const servers: TestReceiver[] = [];
  let n = 0;

  /** A receiving account of its own for each test: disabling one touches no other test. */
  async function account(units: '*' | string[]): Promise<string> {
    return (await createAccount(stack.operator, { tenant: TENANT, name: `receiving-${++n}`, grants: [receive(units)] })).id;
  }
  async function hook(accountId: string, topic: string, respond?: TestReceiver['respond']): Promise<{ r: TestReceiver; id: string }> {
    const r = await startReceiver(respond);
    servers.push(r);
    const res = await stack.operator.post('/v1/receivers', { tenant: TENANT, name: `hook-${++n}`, url: `${r.url}/in`, topics: [topic], accountId, auth: { protocol: 'none' } });
    assert.equal(res.status, 201, res.text);
    return { r, id: res.body.receiver.id as string };
  }
  async function publish(topic: string, unit: string): Promise<string> {
    const res = await stack.operator.post('/v1/events', { tenant: TENANT, topic, object: { type: 'order', id: String(++n), unit }, data: { n } });
    assert.equal(res.status, 202, res.text);
    return res.body.id as string;
  }
  /** The event's delivery to the receiver once it is decided (its final state). */
  async function decided(receiverId: string, eventId: string): Promise<Delivery> {
    return eventually(`the delivery of ${eventId} to ${receiverId} decided`, async () => {
      const list = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${receiverId}&limit=500`);
      return (list.body.data as Delivery[]).find((d) => d.eventId === eventId && DECIDED.has(d.status));
    }, 40_000);
  }
  const sentTo = (r: TestReceiver, deliveryId: string) => r.matching('hookline-delivery-id', deliveryId).length;
  async function disable(accountId: string): Promise<void> {
    const res = await stack.operator.patch(`/v1/accounts/${accountId}?tenant=${TENANT}`, { enabled: false });
    assert.equal(res.status, 200, res.text);
  }

  /**
   * Resends a delivery the receiver got once: the resend is accepted (202), is not sent,
   * and the log keeps the delivery's outcome and shows the resend as an attempt not made,
   * with why.
   */
  async function resendRefused(d: Delivery, r: TestReceiver, why: RegExp): Promise<void> {
    const res = await stack.operator.post(`/v1/deliveries/${d.id}/resend?tenant=${TENANT}`);
    assert.equal(res.status, 202, res.text);
    const attempt = res.body.attempt as number;
    // The resend's outcome in the log: its attempt (made or not), or a new status.
    const logged = await eventually('the resend in the log', async () => {
      const x = await stack.operator.get(`/v1/deliveries/${d.id}?tenant=${TENANT}`);
      return x.body.attemptLog.length >= attempt || x.body.status !== d.status ? x.body : undefined;
    }, 40_000);
    assert.equal(logged.status, d.status, `the resend rewrote the delivery's outcome: ${JSON.stringify(logged)}`);
    const a = logged.attemptLog[attempt - 1];
    assert.deepEqual({ manual: a.manual, ok: a.ok, errorClass: a.errorClass }, { manual: true, ok: false, errorClass: 'cancelled' }, `the resend went out: ${JSON.stringify(a)}`);
    assert.match(a.error, why);
    assert.equal(sentTo(r, d.id), 1, 'the receiver got the resend');
  }

  before(async () => {
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        // The retry test's receiver holds its first request while the account is disabled.
        HOOKLINE_EGRESS_DEADLINE: '30s',
        // One retry, soon after the first attempt.
        HOOKLINE_RETRY_SCHEDULE: '300ms',
        HOOKLINE_RETRY_POLL_INTERVAL: '50ms',
      },
    });
    assert.equal((await stack.operator.post('/v1/tenants', { id: TENANT, name: 'Grants now' })).status, 201);
    for (const id of ['north', 'south']) assert.equal((await stack.operator.post('/v1/units', { tenant: TENANT, id, name: id })).status, 201);
    // A topic per test: no test's events reach another test's receivers.
    for (const name of ['Narrowed.Resend', 'Disabled.Resend', 'Disabled.Retry', 'Deleted.Resend']) {
      assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name })).status, 201);
    }
  });
  after(async () => {
    for (const s of servers) await s.close();
    await stack?.stop();
  });

  it('a resend after the account’s grants were narrowed away from the event’s unit is not sent, and the log says why', async () => {
    const topic = 'Narrowed.Resend';
    const q = await account(['north', 'south']);
    const { r, id } = await hook(q, topic);
    const d = await decided(id, await publish(topic, 'south'));
    assert.equal(d.status, 'succeeded', JSON.stringify(d));

    const narrowed = await stack.operator.patch(`/v1/accounts/${q}?tenant=${TENANT}`, { grants: [receive(['north'])] });
    assert.equal(narrowed.status, 200, narrowed.text);
    // A new event in south is filtered at once (fan-out reads the registry up to now first)...
    const fresh = await decided(id, await publish(topic, 'south'));
    assert.equal(fresh.status, 'filtered');
    assert.match(fresh.statusReason ?? '', /^unit south is outside the units account receiving-\d+ \(.+\) may receive webhooks for$/);
    // ...and so is the older south delivery sent again: with the same reason.
    await resendRefused(d, r, /^unit south is outside the units account receiving-\d+ \(.+\) may receive webhooks for$/);
    // What the account may still receive still goes out, resends too.
    const north = await decided(id, await publish(topic, 'north'));
    assert.equal(north.status, 'succeeded');
    assert.equal((await stack.operator.post(`/v1/deliveries/${north.id}/resend?tenant=${TENANT}`)).status, 202);
    await eventually('the north resend sent', async () => sentTo(r, north.id) === 2);
  });

  it('a resend after the account was disabled is not sent', async () => {
    const topic = 'Disabled.Resend';
    const q = await account('*');
    const { r, id } = await hook(q, topic);
    const d = await decided(id, await publish(topic, 'north'));
    assert.equal(d.status, 'succeeded', JSON.stringify(d));

    await disable(q);
    const fresh = await decided(id, await publish(topic, 'north'));
    assert.equal(fresh.status, 'filtered');
    assert.match(fresh.statusReason ?? '', /^the receiving account receiving-\d+ \(.+\) is disabled$/);
    await resendRefused(d, r, /^the receiving account receiving-\d+ \(.+\) is disabled$/);
  });

  it('a retry waiting while the account is disabled is not sent: the delivery is cancelled, with why', async () => {
    const topic = 'Disabled.Retry';
    const q = await account('*');
    // The first request disables the account, waits until fan-out has seen that, and fails:
    // the retry then waits for an account that may no longer receive the event.
    const self = { id: '' };
    const { r, id } = await hook(q, topic, async (_req, index) => {
      if (index > 0) return { status: 200 };
      await disable(q);
      const probe = await decided(self.id, await publish(topic, 'south'));
      assert.equal(probe.status, 'filtered', JSON.stringify(probe));
      return { status: 500 };
    });
    self.id = id;
    const eventId = await publish(topic, 'north');
    const d = await decided(id, eventId);
    assert.equal(d.status, 'cancelled', `the retry went out to a disabled account: ${JSON.stringify(d)}`);
    assert.match(d.statusReason ?? '', /^the receiving account receiving-\d+ \(.+\) is disabled$/);
    assert.equal(sentTo(r, d.id), 1);
    const detail = await stack.operator.get(`/v1/deliveries/${d.id}?tenant=${TENANT}`);
    assert.deepEqual(detail.body.attemptLog.map((a: { statusCode: number | null }) => a.statusCode), [500], 'one attempt, the one that failed');
  });

  it('a delivered delivery whose receiver was deleted since, resent, still shows it succeeded', async () => {
    const topic = 'Deleted.Resend';
    const q = await account('*');
    const { r, id } = await hook(q, topic);
    const d = await decided(id, await publish(topic, 'north'));
    assert.equal(d.status, 'succeeded', JSON.stringify(d));

    const del = await stack.operator.delete(`/v1/receivers/${id}?tenant=${TENANT}`);
    assert.equal(del.status, 200, del.text);
    // Another receiver's delivery of a later event: fan-out read the registry up to now
    // first, so the dispatcher knows of the deletion before the resend reaches it.
    const { id: other } = await hook(q, topic);
    assert.equal((await decided(other, await publish(topic, 'north'))).status, 'succeeded');
    await resendRefused(d, r, /^the receiver was deleted$/);
  });
});
