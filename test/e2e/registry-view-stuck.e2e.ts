// A registry change the dispatcher's (or the retry-scheduler's) view cannot read is
// never skipped in silence: the view stops there, the service says so with the subject
// and sequence and reports not ready, no event is fanned out on a view that may have
// missed a deletion or a grant change, and nothing is lost: once an operator skips
// that one change (HOOKLINE_REGISTRY_SKIP) and restarts, the waiting events go out.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { registryChangeSubject } from '@hookline/contracts';
import { createAccount, eventually, startReceiver, startTestStack, TestReceiver, TestStack } from '@hookline/testing';

const TENANT = 'stuck';

describe('a registry change a view cannot read', () => {
  let stack: TestStack;
  let nc: NatsConnection;
  let server: TestReceiver;
  let receiverId: string;

  before(async () => {
    stack = await startTestStack({ env: { HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128' } });
    nc = await connect({ servers: stack.nats.url });
    server = await startReceiver();
    assert.equal((await stack.operator.post('/v1/tenants', { id: TENANT, name: 'Stuck' })).status, 201);
    assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name: 'Orders.Paid' })).status, 201);
    const account = await createAccount(stack.operator, { tenant: TENANT, name: 'receiving', grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] });
    const res = await stack.operator.post('/v1/receivers', { tenant: TENANT, name: 'r', url: server.url, topics: ['Orders.*'], accountId: account.id, auth: { protocol: 'none' } });
    assert.equal(res.status, 201, res.text);
    receiverId = res.body.receiver.id;
  });
  after(async () => {
    await nc?.close();
    await server?.close();
    await stack?.stop();
  });

  const publish = async (n: number) => {
    const res = await stack.operator.post('/v1/events', { tenant: TENANT, topic: 'Orders.Paid', object: { type: 'order', id: String(n) }, data: { n } });
    assert.equal(res.status, 202, res.text);
    return res.body.id as string;
  };
  const ready = async (url: string) => {
    const res = await fetch(`${url}/ready`);
    return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
  };

  it('stops the views, delivers nothing on them, and goes on once the change is skipped', async () => {
    await publish(1);
    await eventually('the first event delivered', async () => server.requests.length === 1 || undefined);

    // A receiver "update" that carries no state: a view that applied it would lose the receiver's settings.
    const bad = { id: 'bad-change-1', tenantId: TENANT, entity: 'receiver', entityId: receiverId, action: 'updated', actor: { kind: 'operator' }, at: new Date().toISOString(), before: null, after: null };
    const ack = await jetstream(nc).publish(registryChangeSubject(TENANT, 'receiver', 'updated'), JSON.stringify(bad), { msgID: bad.id });
    const seq = ack.seq;

    for (const name of ['dispatcher', 'retry-scheduler'] as const) {
      const svc = stack.services[name];
      const r = await eventually(`${name} not ready`, async () => {
        const x = await ready(svc.url);
        return x.status === 503 ? x : undefined;
      });
      assert.match(r.body.checks['registry-view'], new RegExp(`sequence ${seq} \\(hookline\\.registry\\.${TENANT}\\.receiver\\.updated\\)`));
      const line = await eventually(`${name} says where it stopped`, async () => svc.lines.find((l) => l.includes(`"seq":${seq}`) && l.includes('HOOKLINE_REGISTRY_SKIP')));
      assert.match(line, /hookline\.registry\.stuck\.receiver\.updated/);
    }

    // An event published now is accepted (the API is up) but not fanned out on a view that may be wrong.
    const waiting = await publish(2);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(server.requests.length, 1, 'nothing delivered while the view is stopped');
    const log = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${receiverId}`);
    assert.ok(!log.body.data.some((d: { eventId: string }) => d.eventId === waiting));

    // The operator skips exactly that change and restarts both services.
    for (const name of ['dispatcher', 'retry-scheduler'] as const) {
      await stack.services[name].stop();
      await stack.services[name].start({ HOOKLINE_REGISTRY_SKIP: String(seq) });
      assert.equal((await ready(stack.services[name].url)).status, 200);
      assert.ok(stack.services[name].lines.some((l) => l.includes(`"seq":${seq}`) && /operator named to skip/.test(l)), `${name} logs the skip`);
    }
    // Work deferred while the view was stopped comes back within STUCK_VIEW_RETRY_MS (30 s).
    const got = await eventually('the waiting event delivered', async () => server.requests.find((r) => JSON.parse(r.body).id === waiting), 60_000);
    assert.deepEqual(JSON.parse(got.body).data, { n: 2 });
  });
});
