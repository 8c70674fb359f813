// The delivery log's operator actions: resend in bulk by filter (a dry run first, then a
// paced, audited job that keeps every delivery id), and what a caller without the
// kind's resend permission may not do.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { assertProblem, createAccount, eventually, listAllDeliveries, login, startReceiver, startTestStack, TestReceiver, TestStack } from '@hookline/testing';

const TENANT = 'logops';

describe('delivery log operations', () => {
  let stack: TestStack;
  let accountId: string;
  const servers: TestReceiver[] = [];

  before(async () => {
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        // One quick retry: failures are final within a second.
        HOOKLINE_RETRY_SCHEDULE: '200ms',
        HOOKLINE_RETRY_POLL_INTERVAL: '50ms',
        HOOKLINE_BULK_RESEND_RATE: '10',
        HOOKLINE_RECEIVER_RESTORE_WINDOW: '4s',
      },
    });
    assert.equal((await stack.operator.post('/v1/tenants', { id: TENANT, name: 'Log ops' })).status, 201);
    for (const name of ['Orders.Paid', 'Orders.Shipped']) assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name })).status, 201);
    accountId = (await createAccount(stack.operator, { tenant: TENANT, name: 'receiving', grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] })).id;
  });
  after(async () => {
    for (const s of servers) await s.close();
    await stack?.stop();
  });

  async function receiver(name: string, respond: TestReceiver['respond']) {
    const server = await startReceiver(respond);
    servers.push(server);
    const res = await stack.operator.post('/v1/receivers', { tenant: TENANT, name, url: server.url, topics: ['Orders.*'], accountId, auth: { protocol: 'none' } });
    assert.equal(res.status, 201, res.text);
    return { server, id: res.body.receiver.id as string };
  }
  async function publish(topic: string, n: number) {
    const res = await stack.operator.post('/v1/events', { tenant: TENANT, topic, object: { type: 'order', id: String(n) }, data: { n } });
    assert.equal(res.status, 202, res.text);
    return res.body.id as string;
  }

  it('a dry run counts, a bulk resend sends each failed delivery again with its id, paced, and is audited', async () => {
    let healthy = false;
    const flaky = await receiver('flaky', () => (healthy ? { status: 204 } : { status: 500 }));
    const fine = await receiver('fine', () => ({ status: 204 }));
    const events: string[] = [];
    for (let i = 0; i < 30; i++) events.push(await publish(i % 2 ? 'Orders.Shipped' : 'Orders.Paid', i));
    const failed = await eventually('30 failed deliveries to flaky', async () => {
      const all = await listAllDeliveries(stack.operator, TENANT, `target=${flaky.id}&status=failed`);
      return all.length === 30 ? all : undefined;
    });
    await eventually('30 delivered to fine', async () => ((await listAllDeliveries(stack.operator, TENANT, `target=${fine.id}&status=succeeded`)).length === 30 ? true : undefined));

    // Dry runs: by filter, and what a reader without receivers:write could resend.
    const dry = await stack.operator.post('/v1/deliveries/resend', { tenant: TENANT, target: flaky.id, status: 'failed', dryRun: true });
    assert.equal(dry.status, 200, dry.text);
    assert.equal(dry.body.count, 30);
    assert.equal(dry.body.forbidden, 0);
    const byTopic = await stack.operator.post('/v1/deliveries/resend', { tenant: TENANT, topic: 'Orders.Paid', dryRun: true });
    assert.equal(byTopic.body.count, 30, 'both receivers, succeeded and failed alike');
    const reader = await createAccount(stack.operator, { tenant: TENANT, name: 'reader', grants: [{ actions: ['logs:read'], units: '*', topics: '*' }] });
    const readerClient = (await login(stack.anonymous, reader)).client;
    const readerDry = await readerClient.post('/v1/deliveries/resend', { target: flaky.id, dryRun: true });
    assert.equal(readerDry.status, 200, readerDry.text);
    assert.deepEqual([readerDry.body.count, readerDry.body.forbidden], [0, 30]);
    assertProblem(await readerClient.post(`/v1/deliveries/${failed[0].id}/resend`), 403);
    assertProblem(await stack.operator.post('/v1/deliveries/resend', { tenant: TENANT, status: 'pending' }), 400, 'status');
    assertProblem(await stack.operator.post('/v1/deliveries/resend', { tenant: TENANT, from: 'yesterday' }), 400, 'from');

    // The real thing, at 10 a second: 30 take about 3 s.
    healthy = true;
    const job = await stack.operator.post('/v1/deliveries/resend', { tenant: TENANT, target: flaky.id, status: 'failed' });
    assert.equal(job.status, 202, job.text);
    assert.equal(job.body.total, 30);
    assert.equal(job.body.status, 'running');
    // A new event published while the job runs is delivered at once, not after it.
    const fresh = await publish('Orders.Paid', 100);
    const freshDelivered = await eventually('the new event delivered', async () => flaky.server.requests.find((r) => JSON.parse(r.body).id === fresh));
    const doneJob = await eventually('the bulk resend done', async () => {
      const j = await stack.operator.get(`/v1/deliveries/resends/${job.body.id}?tenant=${TENANT}`);
      return j.body.status === 'done' ? j.body : undefined;
    }, 30_000);
    assert.equal(doneJob.sent, 30);
    const resent = flaky.server.requests.filter((r) => r.at >= Date.parse(job.body.createdAt) && JSON.parse(r.body).id !== fresh);
    assert.ok(freshDelivered.at < resent[resent.length - 1].at, 'the new delivery did not wait for the bulk resend');
    // Paced: 30 at 10 a second cannot all arrive within a second.
    assert.ok(resent[resent.length - 1].at - resent[0].at >= 2000, `30 resends arrived within ${resent[resent.length - 1].at - resent[0].at} ms`);

    const after = await eventually('every one succeeded on its third attempt', async () => {
      const all = await listAllDeliveries(stack.operator, TENANT, `target=${flaky.id}`);
      const mine = all.filter((d) => events.includes(d.eventId));
      return mine.length === 30 && mine.every((d) => d.status === 'succeeded' && d.attempts === 3) ? mine : undefined;
    });
    assert.deepEqual(new Set(after.map((d) => d.id)), new Set(failed.map((d) => d.id)), 'the same delivery ids');
    for (const d of failed) assert.equal(flaky.server.matching('webhook-id', d.id).length, 3);

    const audit = await eventually('the audit record', async () => {
      const res = await stack.operator.get(`/v1/audit/changes?tenant=${TENANT}&entity=delivery`);
      return res.body.data.find((c: { entityId: string }) => c.entityId === job.body.id);
    });
    assert.equal(audit.action, 'resent');
    assert.equal(audit.by, 'operator');
    assert.deepEqual(audit.detail.filter, { target: flaky.id, status: 'failed' });
    assert.equal(audit.detail.count, 30);
  });

  it('the single-delivery answer shapes: 202 with the attempt, 404 for another tenant, 409 for a filtered one', async () => {
    const { id } = await receiver('single', () => ({ status: 204 }));
    const ev = await publish('Orders.Paid', 200);
    const d = await eventually('delivered', async () => (await listAllDeliveries(stack.operator, TENANT, `target=${id}`)).find((x) => x.eventId === ev && x.status === 'succeeded'));
    const res = await stack.operator.post(`/v1/deliveries/${d.id}/resend?tenant=${TENANT}`);
    assert.equal(res.status, 202);
    assert.deepEqual(res.body, { deliveryId: d.id, attempt: 2 });
    assertProblem(await stack.operator.post(`/v1/deliveries/${d.id}/resend?tenant=someone-else`), 404);
  });

  it('a deleted receiver is restored with its settings and secret, gets deliveries from then on, and not after the restore window', async () => {
    const server = await startReceiver();
    servers.push(server);
    const created = await stack.operator.post('/v1/receivers', { tenant: TENANT, name: 'comeback', url: server.url, topics: ['Orders.Shipped'], accountId, auth: { protocol: 'websub', algorithm: 'sha256' } });
    assert.equal(created.status, 201, created.text);
    const { id } = created.body.receiver;
    const secret: string = created.body.secret;
    await publish('Orders.Shipped', 300);
    await eventually('delivered before the deletion', async () => server.requests.length === 1 || undefined);

    const deleted = await stack.operator.delete(`/v1/receivers/${id}?tenant=${TENANT}`);
    assert.equal(deleted.status, 200);
    assert.ok(deleted.body.deletedAt);
    const whileDeleted = await publish('Orders.Shipped', 301);
    await new Promise((r) => setTimeout(r, 800));

    const restored = await stack.operator.post(`/v1/receivers/${id}/restore?tenant=${TENANT}`);
    assert.equal(restored.status, 200, restored.text);
    assert.equal(restored.body.deletedAt, null);
    assert.deepEqual({ ...restored.body, updatedAt: 0, deletedAt: 0 }, { ...created.body.receiver, updatedAt: 0, deletedAt: 0 }, 'its settings are back');
    assert.equal(restored.body.secret, undefined, 'no secret in the answer: it is the one shown at creation');
    const afterRestore = await publish('Orders.Shipped', 302);
    const got = await eventually('delivered after the restore', async () => server.requests.find((r) => JSON.parse(r.body).id === afterRestore));
    assert.equal(got.headers['x-hub-signature'], `sha256=${createHmac('sha256', secret).update(got.body).digest('hex')}`, 'signed with the secret it had before');
    assert.ok(!server.requests.some((r) => JSON.parse(r.body).id === whileDeleted), 'nothing for the events of while it was deleted');
    const audit = await eventually('the restore in the audit trail', async () => {
      const res = await stack.operator.get(`/v1/audit/changes?tenant=${TENANT}&entity=receiver&entityId=${id}`);
      return res.body.data.find((c: { action: string }) => c.action === 'restored');
    });
    assert.equal(audit.before.deletedAt !== null, true);
    assert.equal(audit.after.deletedAt, null);
    // Restoring one that is not deleted changes nothing.
    assert.equal((await stack.operator.post(`/v1/receivers/${id}/restore?tenant=${TENANT}`)).status, 200);
    assertProblem(await stack.operator.post(`/v1/receivers/${id}/restore?tenant=someone-else`), 404);

    // After the restore window (4 s here) the secret is destroyed: 409, register it again.
    assert.equal((await stack.operator.delete(`/v1/receivers/${id}?tenant=${TENANT}`)).status, 200);
    // (A restore within the window would succeed, so wait it out: 4 s, and the 1 s between purges.)
    await new Promise((r) => setTimeout(r, 7000));
    const late = await stack.operator.post(`/v1/receivers/${id}/restore?tenant=${TENANT}`);
    assertProblem(late, 409);
    assert.match(late.body.detail, /restore window/);
  });
});
