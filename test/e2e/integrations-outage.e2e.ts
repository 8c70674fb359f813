// Custom integrations when the platform cannot schedule a background request: with
// nats-server down, a trigger is refused at once as the seed's "Connection error" (503,
// Retry-After) and nothing is sent later behind the user's back; once NATS is back the
// same click schedules and delivers exactly one request.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, eventually, startReceiver, startTestStack, type TestReceiver, type TestStack } from '@hookline/testing';

const TENANT = 'outage';

describe('custom integrations: a trigger during a NATS outage', () => {
  let stack: TestStack;
  let receiver: TestReceiver;

  before(async () => {
    stack = await startTestStack({ env: { HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128' } });
    receiver = await startReceiver();
    assert.equal((await stack.operator.post('/v1/tenants', { id: TENANT, name: 'Outage' })).status, 201);
  });
  after(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  it('is a Connection error while NATS is down, and one delivered request once it is back', async () => {
    const created = await stack.operator.post('/v1/integrations', { tenant: TENANT, name: 'CRM', page: 'client', action: 'background', method: 'GET', url: `${receiver.url}/crm`, parameterName: 'id' });
    assert.equal(created.status, 201, created.text);
    const trigger = () => stack.operator.post(`/v1/integrations/${created.body.id}/trigger`, { tenant: TENANT, objectIds: ['7'] });

    await stack.nats.kill();
    const refused = await trigger();
    assertProblem(refused, 503);
    assert.equal(refused.body.integrationError, 'Connection error');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);

    await stack.nats.start();
    const accepted = await eventually('a trigger to be accepted again', async () => {
      const r = await trigger();
      return r.status === 202 ? r : undefined;
    }, 60_000, 500);
    const job = await eventually('the job to succeed', async () => {
      const r = await stack.operator.get(`/v1/integration-jobs/${accepted.body.jobId}?tenant=${TENANT}`);
      return r.status === 200 && r.body.state === 'succeeded' ? r.body : undefined;
    }, 60_000);
    assert.equal(job.statusCode, 204);
    assert.deepEqual(receiver.requests.map((r) => r.url), ['/crm?id=7'], 'the refused click sent nothing, the accepted one exactly once');
  });
});
