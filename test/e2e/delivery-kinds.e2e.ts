// A delivery kind is one profile. This file registers a kind of its own (fixtures/
// form-put.kind.ts, loaded by every service through HOOKLINE_DELIVERY_KIND_MODULES, with
// no change to the services) and drives it through the whole pipeline: dispatch, retry,
// its own success criterion, give-up, cancellation when its target goes, a resend with
// the same delivery id, and the log showing what was really sent.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { deliveryMsgIds, deliverySubjects, uuidv7, type DeliveryCreated } from '@hookline/contracts';
import { createAccount, eventually, serviceLoadableModule, startReceiver, startTestStack, TestReceiver, TestStack } from '@hookline/testing';
import { FORM_PUT_KIND } from './fixtures/form-put.kind';

const TENANT = 'kinds';

describe('a delivery kind registered by a test alone', () => {
  let stack: TestStack;
  let nc: NatsConnection;
  let accountId: string;
  const servers: TestReceiver[] = [];

  before(async () => {
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        HOOKLINE_DELIVERY_KIND_MODULES: serviceLoadableModule(join(__dirname, 'fixtures', 'form-put.kind.ts')),
        HOOKLINE_RETRY_POLL_INTERVAL: '50ms',
      },
    });
    nc = await connect({ servers: stack.nats.url });
    assert.equal((await stack.operator.post('/v1/tenants', { id: TENANT, name: 'Kinds' })).status, 201);
    assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name: 'Forms.Sent' })).status, 201);
    accountId = (await createAccount(stack.operator, { tenant: TENANT, name: 'receiving', grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] })).id;
  });
  after(async () => {
    await nc?.close();
    for (const s of servers) await s.close();
    await stack?.stop();
  });

  /** A form endpoint: a receiver registered through the API, answering as told. */
  async function endpoint(respond: TestReceiver['respond']) {
    const server = await startReceiver(respond);
    servers.push(server);
    const res = await stack.operator.post('/v1/receivers', { tenant: TENANT, name: `form-${servers.length}`, url: `${server.url}/form`, topics: ['Forms.*'], accountId, auth: { protocol: 'none' } });
    assert.equal(res.status, 201, res.text);
    return { server, id: res.body.receiver.id as string };
  }

  /** The code that creates this kind's deliveries: one "created" fact, as any producer publishes it. */
  async function create(target: string, fields: Record<string, unknown>): Promise<string> {
    const created: DeliveryCreated = {
      type: 'created',
      deliveryId: uuidv7(),
      tenantId: TENANT,
      kind: FORM_PUT_KIND,
      at: new Date().toISOString(),
      target,
      targetName: 'the form',
      url: 'http://set-at-attempt-time',
      body: JSON.stringify(fields),
      context: { triggeredBy: 'the test' },
    };
    await jetstream(nc).publish(deliverySubjects.lifecycle(TENANT, 'created'), JSON.stringify(created), { msgID: deliveryMsgIds.lifecycle(created) });
    return created.deliveryId;
  }

  const detail = async (id: string) => (await stack.operator.get(`/v1/deliveries/${id}?tenant=${TENANT}`)).body;
  const settled = (id: string, status: string, ms = 20_000) =>
    eventually(`delivery ${id} ${status}`, async () => {
      const d = await detail(id);
      return d?.status === status ? d : undefined;
    }, ms);

  it('dispatches with its own shape, retries on its own schedule, and succeeds only by its own criterion', async () => {
    const replies = [{ status: 503, body: 'busy' }, { status: 200, body: 'nope' }, { status: 200, body: 'accepted' }];
    const { server, id: target } = await endpoint((_r, i) => replies[Math.min(i, 2)]);
    const id = await create(target, { id: 'client_1', ids: ['1', '2'], note: 'a b&c' });
    const d = await settled(id, 'succeeded');
    assert.equal(d.kind, FORM_PUT_KIND);
    assert.deepEqual(d.target, { id: target, name: 'the form' });
    assert.equal(d.eventId, null, 'no host event behind it');
    assert.deepEqual(d.context, { triggeredBy: 'the test' });
    assert.equal(d.attempts, 3);

    // What the endpoint got: PUT, form data, its User-Agent, the delivery id, no event headers.
    assert.equal(server.requests.length, 3);
    for (const r of server.requests) {
      assert.equal(r.method, 'PUT');
      assert.equal(r.url, '/form');
      assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(r.headers['user-agent'], 'FormPut/1');
      assert.equal(r.headers['hookline-delivery-id'], id);
      assert.equal(r.headers['hookline-event-id'], undefined);
      assert.equal(r.body, 'id=client_1&ids=1&ids=2&note=a+b%26c');
    }
    // Its own schedule: 300 ms after each previous attempt started (not the platform's 1 h).
    const started = d.attemptLog.map((a: { at: string }) => Date.parse(a.at));
    for (let i = 1; i < started.length; i++) assert.ok(started[i] - started[i - 1] >= 300, `attempt ${i + 1} came ${started[i] - started[i - 1]} ms after the previous one`);

    // The log: what was really sent (the form body, not the stored JSON payload), and why each attempt failed.
    assert.equal(d.request.method, 'PUT');
    assert.equal(d.request.url, `${server.url}/form`);
    assert.equal(d.request.body, 'id=client_1&ids=1&ids=2&note=a+b%26c');
    assert.deepEqual(JSON.parse(d.request.payload), { id: 'client_1', ids: ['1', '2'], note: 'a b&c' });
    assert.equal(d.request.headers['Content-Type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(d.attemptLog.map((a: { ok: boolean; statusCode: number; errorClass?: string }) => [a.ok, a.statusCode, a.errorClass ?? null]), [
      [false, 503, 'http-status'],
      [false, 200, 'contract'],
      [true, 200, null],
    ]);
    assert.match(d.attemptLog[1].error, /not "accepted"/);
    assert.equal(d.attemptLog[1].responseBody, 'nope');
    assert.equal(d.attemptLog[1].method, 'PUT');
    assert.equal(typeof d.attemptLog[1].responseHeaders.date, 'string', 'response headers are kept');
  });

  it('gives up after its own retries, and a resend keeps the delivery id as the next attempt', async () => {
    let ok = false;
    const { server, id: target } = await endpoint(() => (ok ? { status: 200, body: 'accepted' } : { status: 500 }));
    const id = await create(target, { id: 'x' });
    const d = await settled(id, 'failed');
    assert.equal(d.attempts, 3);
    assert.match(d.statusReason, /failed after 3 attempts/);
    assert.equal(server.requests.length, 3);

    ok = true;
    const resend = await stack.operator.post(`/v1/deliveries/${id}/resend?tenant=${TENANT}`);
    assert.equal(resend.status, 202, resend.text);
    assert.deepEqual(resend.body, { deliveryId: id, attempt: 4 });
    const again = await settled(id, 'succeeded');
    assert.equal(again.attempts, 4);
    assert.equal(again.attemptLog[3].manual, true);
    assert.equal(server.requests[3].headers['hookline-delivery-id'], id);
  });

  it('a waiting retry is cancelled when the target goes, with the kind’s reason', async () => {
    const { server, id: target } = await endpoint(() => ({ status: 500 }));
    const id = await create(target, { id: 'y' });
    await eventually('the first failure', async () => ((await detail(id))?.attempts >= 1 ? true : undefined));
    assert.equal((await stack.operator.delete(`/v1/receivers/${target}?tenant=${TENANT}`)).status, 200);
    const d = await settled(id, 'cancelled');
    assert.match(d.statusReason, /the form endpoint (was deleted|is gone)/);
    const seen = server.requests.length;
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(server.requests.length, seen, 'no attempt after the cancellation');
  });

  it('the log filters by the new kind', async () => {
    const list = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&kind=${FORM_PUT_KIND}&limit=100`);
    assert.equal(list.status, 200);
    assert.equal(list.body.data.length, 3);
    assert.ok(list.body.data.every((x: { kind: string }) => x.kind === FORM_PUT_KIND));
  });
});
