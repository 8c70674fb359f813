// Event webhooks under hostile or careless input, over real HTTP: a new `auth` the signer
// would refuse (it must not cost the receiver its working credential), a receiver URL
// carrying a password, a topic pattern with ">" in the middle, a resend asked for several
// times at once (one more request to the receiver, as the log shows, not one per click),
// and bulk resends: stopped when whoever asked is disabled, one at a time per tenant.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { assertProblem, busyConsumers, createAccount, eventually, listAllDeliveries, login, startReceiver, startTestStack, type TestReceiver, type TestStack } from '@hookline/testing';

const TENANT = 'probe';
const TOPIC = 'Orders.Paid';
/** The bulk resend's own topic: the other tests' receivers do not take it. */
const BULK_TOPIC = 'Orders.Shipped';

describe('event webhooks: hostile input', () => {
  let stack: TestStack;
  let accountId: string;
  const servers: TestReceiver[] = [];
  let n = 0;

  async function server(respond?: TestReceiver['respond']): Promise<TestReceiver> {
    const s = await startReceiver(respond);
    servers.push(s);
    return s;
  }
  async function createReceiver(body: Record<string, unknown>) {
    return stack.operator.post('/v1/receivers', { tenant: TENANT, name: `probe-${++n}`, topics: [TOPIC], accountId, auth: { protocol: 'none' }, ...body });
  }
  async function publish(topic = TOPIC): Promise<string> {
    const res = await stack.operator.post('/v1/events', { tenant: TENANT, topic, object: { type: 'order', id: String(++n) }, data: { n } });
    assert.equal(res.status, 202, res.text);
    return res.body.id;
  }
  function requestFor(s: TestReceiver, path: string, eventId: string) {
    const got = s.requests.find((r) => r.url === path && (JSON.parse(r.body) as { id: string }).id === eventId);
    assert.ok(got, `no request to ${path} for event ${eventId}`);
    return got;
  }
  async function settled(receiverId: string, eventId: string) {
    return eventually('the delivery to settle', async () => {
      const d = (await listAllDeliveries(stack.operator, TENANT, `target=${receiverId}`)).find((x) => x.eventId === eventId);
      return d && ['succeeded', 'failed'].includes(d.status) ? d : undefined;
    }, 30_000);
  }

  before(async () => {
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        HOOKLINE_EGRESS_DEADLINE: '10s',
        // A failure is final at once: a delivery that could not be signed shows as failed.
        HOOKLINE_RETRY_SCHEDULE: '100ms',
        HOOKLINE_RETRY_POLL_INTERVAL: '50ms',
        // A bulk resend of 40 takes 20 s: long enough to change who asked for it halfway.
        HOOKLINE_BULK_RESEND_RATE: '2',
      },
    });
    assert.equal((await stack.operator.post('/v1/tenants', { id: TENANT, name: 'Probe' })).status, 201);
    for (const name of [TOPIC, BULK_TOPIC]) assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name })).status, 201);
    accountId = (await createAccount(stack.operator, { tenant: TENANT, name: 'receiving', grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] })).id;
  });
  after(async () => {
    for (const s of servers) await s.close();
    await stack?.stop();
  });

  it('a new auth the signer would refuse is a 400 naming the field, and the receiver keeps signing with its secret', async () => {
    const s = await server();
    const secret = 'websub-secret-of-my-own-0123';
    const created = await createReceiver({ url: `${s.url}/in`, auth: { protocol: 'websub', algorithm: 'sha256', secret } });
    assert.equal(created.status, 201, created.text);
    const id: string = created.body.receiver.id;

    // Both passed the request's own checks and were refused by the signer only after the
    // old credential had been destroyed: a 400, and a receiver left with no secret.
    const badSecret = await stack.operator.patch(`/v1/receivers/${id}?tenant=${TENANT}`, { auth: { protocol: 'standard-webhooks', secret: 'not-a-whsec-secret-at-all' } });
    assert.equal(badSecret.status, 400, badSecret.text);
    const oauth = { protocol: 'oauth2', tokenUrl: `http://client:secret@127.0.0.1:${s.port}/token`, clientId: 'c', clientSecret: 'client-secret' };
    const badTokenUrl = await stack.operator.patch(`/v1/receivers/${id}?tenant=${TENANT}`, { auth: oauth });
    assert.equal(badTokenUrl.status, 400, badTokenUrl.text);

    const after = await stack.operator.get(`/v1/receivers/${id}?tenant=${TENANT}`);
    assert.deepEqual(after.body.auth, { protocol: 'websub', algorithm: 'sha256' });
    const eventId = await publish();
    const d = await settled(id, eventId);
    assert.equal(d.status, 'succeeded', `the refused updates cost the receiver its credential: ${JSON.stringify(d)}`);
    const got = requestFor(s, '/in', eventId);
    assert.equal(got.headers['x-hub-signature'], `sha256=${createHmac('sha256', secret).update(got.body).digest('hex')}`);
    // The credential is still there to rotate.
    const rotated = await stack.operator.post(`/v1/receivers/${id}/rotate-secret?tenant=${TENANT}`, { overlapSeconds: 0 });
    assert.equal(rotated.status, 201, rotated.text);
    // And the 400s name the field, as every refusal does.
    assertProblem(badSecret, 400, 'auth.secret');
    assertProblem(badTokenUrl, 400, 'auth.tokenUrl');
    assertProblem(await createReceiver({ url: `${s.url}/in`, auth: oauth }), 400, 'auth.tokenUrl');
  });

  it('a receiver URL with a user name or password is refused (never sent, and it would be shown to every reader)', async () => {
    const s = await server();
    const withPassword = `http://crm:hunter2-password@127.0.0.1:${s.port}/in`;
    const refused = await createReceiver({ url: withPassword });
    const ok = await createReceiver({ url: `${s.url}/in` });
    assert.equal(ok.status, 201, ok.text);
    const patched = await stack.operator.patch(`/v1/receivers/${ok.body.receiver.id}?tenant=${TENANT}`, { url: withPassword });
    const list = await stack.operator.get(`/v1/receivers?tenant=${TENANT}&limit=500`);
    assert.equal(list.status, 200);
    assert.ok(!list.text.includes('hunter2'), `the password is stored and shown: ${list.text.match(/"url":"[^"]*hunter2[^"]*"/)?.[0]}`);
    assertProblem(refused, 400, 'url');
    assertProblem(patched, 400, 'url');
    assertProblem(await createReceiver({ url: `http://crm@127.0.0.1:${s.port}/in` }), 400, 'url');
  });

  it('a resend asked for several times before it is logged sends once, and the log shows every request the receiver got', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    // The first delivery is answered at once; the resend waits until every click is in, so none can see it logged.
    const s = await server(async (_req, index) => {
      if (index > 0) await released;
      return { status: 204 };
    });
    const created = await createReceiver({ url: `${s.url}/in` });
    assert.equal(created.status, 201, created.text);
    const id: string = created.body.receiver.id;
    const d = await settled(id, await publish());
    assert.equal(d.status, 'succeeded');

    const clicks = await Promise.all(Array.from({ length: 6 }, () => stack.operator.post(`/v1/deliveries/${d.id}/resend?tenant=${TENANT}`)));
    for (const c of clicks) {
      assert.equal(c.status, 202, c.text);
      assert.deepEqual(c.body, { deliveryId: d.id, attempt: 2 });
    }
    release();
    const logged = await eventually('the resend logged', async () => {
      const res = await stack.operator.get(`/v1/deliveries/${d.id}?tenant=${TENANT}`);
      return res.body.attempts === 2 && res.body.status === 'succeeded' ? res.body : undefined;
    }, 30_000);
    await eventually('the pipeline quiet', async () => ((await busyConsumers(stack.nats.url)).length === 0 ? true : undefined), 30_000);
    const sent = s.matching('hookline-delivery-id', d.id).length;
    assert.equal(sent, logged.attemptLog.length, `the receiver got ${sent} requests, the log shows ${logged.attemptLog.length} attempts`);
    assert.equal(sent, 2);
  });

  it('a topic pattern with ">" before its last word is refused (it matched every topic under its first words)', async () => {
    const s = await server();
    for (const topics of [['Orders.>.Refunded'], ['>.Paid'], [TOPIC, 'Orders.>.*']]) {
      assertProblem(await createReceiver({ url: `${s.url}/in`, topics }), 400, 'topics');
    }
    const ok = await createReceiver({ url: `${s.url}/in`, topics: ['Orders.>'] });
    assert.equal(ok.status, 201, ok.text);
    assertProblem(await stack.operator.patch(`/v1/receivers/${ok.body.receiver.id}?tenant=${TENANT}`, { topics: ['Orders.>.Refunded'] }), 400, 'topics');
  });

  it('a bulk resend stops once whoever asked for it is disabled, as their requests do', async () => {
    const s = await server();
    const created = await createReceiver({ url: `${s.url}/in`, topics: [BULK_TOPIC] });
    assert.equal(created.status, 201, created.text);
    const id: string = created.body.receiver.id;
    for (let i = 0; i < 40; i++) await publish(BULK_TOPIC);
    await eventually('40 delivered', async () => ((await listAllDeliveries(stack.operator, TENANT, `target=${id}&status=succeeded`)).length === 40 ? true : undefined), 60_000);

    const ops = await createAccount(stack.operator, { tenant: TENANT, name: 'log-ops', grants: [{ actions: ['logs:read', 'receivers:write'], units: '*', topics: '*' }] });
    const client = (await login(stack.anonymous, ops)).client;
    const job = await client.post('/v1/deliveries/resend', { target: id, status: 'succeeded' });
    assert.equal(job.status, 202, job.text);
    assert.equal(job.body.total, 40);

    const disabled = await stack.operator.patch(`/v1/accounts/${ops.id}?tenant=${TENANT}`, { enabled: false });
    assert.equal(disabled.status, 200, disabled.text);
    // The audit log has heard of it: the account's own requests are refused from here on.
    await eventually('the audit log to refuse the disabled account', async () => ((await client.get('/v1/deliveries?limit=1')).status === 401 ? true : undefined), 30_000);
    const ended = await eventually('the bulk resend to end', async () => {
      const j = await stack.operator.get(`/v1/deliveries/resends/${job.body.id}?tenant=${TENANT}`);
      assert.equal(j.status, 200, j.text);
      return j.body.status === 'running' ? undefined : j.body;
    }, 60_000);
    assert.equal(ended.status, 'cancelled', `the job went on for a disabled account: ${JSON.stringify(ended)}`);
    assert.ok(ended.sent < 40, `all ${ended.sent} sent`);
    await eventually('the pipeline quiet', async () => ((await busyConsumers(stack.nats.url)).length === 0 ? true : undefined), 30_000);
    const resent = s.requests.length - 40;
    assert.equal(resent, ended.sent, 'the receiver got what the job says it sent');
  });

  it('one bulk resend at a time per tenant: asking again while one runs is a 409, not every delivery once more', async () => {
    const s = await server();
    const created = await createReceiver({ url: `${s.url}/in`, topics: [BULK_TOPIC] });
    assert.equal(created.status, 201, created.text);
    const id: string = created.body.receiver.id;
    for (let i = 0; i < 10; i++) await publish(BULK_TOPIC);
    await eventually('10 delivered', async () => ((await listAllDeliveries(stack.operator, TENANT, `target=${id}&status=succeeded`)).length === 10 ? true : undefined), 60_000);

    const body = { tenant: TENANT, target: id, status: 'succeeded' };
    const first = await stack.operator.post('/v1/deliveries/resend', body);
    assert.equal(first.status, 202, first.text);
    assert.equal(first.body.total, 10);
    const again = await Promise.all([stack.operator.post('/v1/deliveries/resend', body), stack.operator.post('/v1/deliveries/resend', { tenant: TENANT, status: 'failed' })]);
    for (const res of again) assertProblem(res, 409);
    assert.match(again[0].body.detail, new RegExp(first.body.id));
    const dry = await stack.operator.post('/v1/deliveries/resend', { ...body, dryRun: true });
    assert.equal(dry.status, 200, 'a dry run only counts: still answered');

    const done = await eventually('the bulk resend done', async () => {
      const j = await stack.operator.get(`/v1/deliveries/resends/${first.body.id}?tenant=${TENANT}`);
      return j.body.status === 'done' ? j.body : undefined;
    }, 60_000);
    assert.equal(done.sent, 10);
    await eventually('the pipeline quiet', async () => ((await busyConsumers(stack.nats.url)).length === 0 ? true : undefined), 30_000);
    assert.equal(s.requests.length, 20, 'each delivery once and resent once');
    const next = await stack.operator.post('/v1/deliveries/resend', { ...body, from: new Date().toISOString() });
    assert.equal(next.status, 202, `once it is done another may start: ${next.text}`);
  });
});
