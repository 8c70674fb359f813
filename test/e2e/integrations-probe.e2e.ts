// Custom integrations against hostile and careless input, end to end over real HTTP:
// Idempotency-Keys reused on another integration or other ids (each click its own job,
// each request sent), draft previews with URLs no parser takes (a 400, not a 500), static
// header values no HTTP request can carry (refused when saved, not failing every request
// later), object ids as a JSON body must give them, and the framing check, whose origin
// the caller chooses, asking the target once per minute rather than once per origin.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, assertProblem, createAccount, eventually, login, startReceiver, startTestStack, type Reply, type TestReceiver, type TestStack } from '@hookline/testing';

const T = 'clinic';
const HOST_ORIGIN = 'http://host.example';

describe('custom integrations under hostile input', () => {
  let stack: TestStack;
  let receiver: TestReceiver;
  let admin: ApiClient;
  let user: ApiClient;

  const requestsTo = (p: string) => receiver.requests.filter((r) => r.url.split('?')[0] === p);

  async function create(body: Record<string, unknown>) {
    const res = await admin.post('/v1/integrations', { name: 'Probe', page: 'client', action: 'background', method: 'GET', parameterName: 'id', ...body });
    assert.equal(res.status, 201, res.text);
    return res.body as { id: string };
  }

  async function settled(jobId: string) {
    return eventually(`job ${jobId} to end`, async () => {
      const r = await user.get(`/v1/integration-jobs/${jobId}`);
      return r.status === 200 && (r.body.state === 'succeeded' || r.body.state === 'failed') ? r.body : undefined;
    });
  }

  before(async () => {
    stack = await startTestStack({ env: { HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128', HOOKLINE_EGRESS_DEADLINE: '1500ms', HOOKLINE_CORS_ORIGINS: HOST_ORIGIN } });
    receiver = await startReceiver(async (req): Promise<Reply> => {
      if (req.url.startsWith('/frame')) return { status: 200, headers: { 'content-security-policy': `frame-ancestors ${HOST_ORIGIN}` }, body: '<p>framed</p>' };
      return { status: 200, body: 'ok' };
    });
    assert.equal((await stack.operator.post('/v1/tenants', { id: T, name: 'Clinic' })).status, 201);
    const a = await createAccount(stack.operator, { tenant: T, name: 'probe-admin', grants: [{ actions: ['integrations:write'], units: '*' }] });
    admin = (await login(stack.anonymous, a)).client;
    const u = await createAccount(stack.operator, { tenant: T, name: 'probe-user', grants: [{ actions: ['integrations:use'], units: '*' }] });
    user = (await login(stack.anonymous, u)).client;
  });

  after(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  it('one Idempotency-Key on another integration or other ids is another job, and every request is sent', async () => {
    const a = await create({ url: `${receiver.url}/key-a` });
    const b = await create({ url: `${receiver.url}/key-b` });
    const key = { 'idempotency-key': 'click-1' };
    const first = await user.post(`/v1/integrations/${a.id}/trigger`, { objectIds: ['1'] }, key);
    const other = await user.post(`/v1/integrations/${b.id}/trigger`, { objectIds: ['2'] }, key);
    const otherIds = await user.post(`/v1/integrations/${a.id}/trigger`, { objectIds: ['3'] }, key);
    for (const r of [first, other, otherIds]) assert.equal(r.status, 202, r.text);
    assert.notEqual(other.body.jobId, first.body.jobId, 'the same key on another integration is another job');
    assert.notEqual(otherIds.body.jobId, first.body.jobId, 'the same key with other object ids is another click');
    const job = await settled(other.body.jobId);
    assert.equal(job.integration.id, b.id, 'the job the answer names is the one of the integration clicked');
    assert.deepEqual(job.objectIds, ['2']);
    await settled(otherIds.body.jobId);
    assert.equal(requestsTo('/key-b').length, 1, 'the second integration was sent its request');
    assert.ok(requestsTo('/key-a').some((r) => r.url === '/key-a?id=3'), 'and the other ids theirs');
    // The same click sent again is still the same job.
    const again = await user.post(`/v1/integrations/${a.id}/trigger`, { objectIds: ['1'] }, key);
    assert.equal(again.status, 202, again.text);
    assert.equal(again.body.jobId, first.body.jobId);
  });

  it('a draft preview whose URL no URL parser takes is a 400 naming url, not a 500', async () => {
    for (const url of ['http://xn--a.com/', 'http://[fe80::1%eth0]/x']) {
      for (const method of ['GET', 'POST']) {
        const res = await admin.post('/v1/integrations/preview', { method, url, parameterName: 'id' });
        assertProblem(res, 400, 'url');
      }
    }
  });

  it('static header values no HTTP request can carry are refused when saved, without echoing them', async () => {
    for (const value of ['snow\u2603man-secret', 'bell\u0007-secret', 'del\u007f-secret']) {
      const res = await admin.post('/v1/integrations', { name: 'Bad header', page: 'client', action: 'background', method: 'GET', url: `${receiver.url}/h`, parameterName: 'id', headers: { 'X-Key': value } });
      assertProblem(res, 400, 'headers');
      assert.ok(!res.text.includes('-secret'), `a refusal never repeats a header value: ${res.text}`);
    }
    const i = await create({ url: `${receiver.url}/latin1`, headers: { 'X-Key': 'caf\u00e9\tand tab' } });
    const t = await user.post(`/v1/integrations/${i.id}/trigger`, { objectIds: ['1'] });
    assert.equal((await settled(t.body.jobId)).state, 'succeeded', 'Latin-1 and tab are values HTTP sends');
  });

  it('object ids: a JSON body gives a list; several only where the page sends several, previews included', async () => {
    const i = await create({ url: `${receiver.url}/ids` });
    const str = await user.post(`/v1/integrations/${i.id}/trigger`, { objectIds: '7' });
    assertProblem(str, 400, 'objectIds');
    assert.equal(str.body.integrationError, 'Data error');
    assertProblem(await admin.post('/v1/integrations/preview', { method: 'GET', url: `${receiver.url}/d`, parameterName: 'id', objectIds: '7' }), 400, 'objectIds');
    assertProblem(await admin.get(`/v1/integrations/${i.id}/preview?objectId=1&objectId=2`), 400, 'objectId');
    assertProblem(await admin.post('/v1/integrations/preview', { method: 'GET', url: `${receiver.url}/d`, parameterName: 'id', objectIds: ['1', '2'] }), 400, 'objectIds');
    const reminders = await admin.post('/v1/integrations/preview', { page: 'reminders', method: 'GET', url: `${receiver.url}/d`, parameterName: 'id', objectIds: ['1', '2'] });
    assert.equal(reminders.status, 200, reminders.text);
    assert.equal(reminders.body.exampleUrl, `${receiver.url}/d?id=1&id=2`);
    // The query string's one id is still a list of one.
    assert.equal((await admin.get(`/v1/integrations/${i.id}/preview?objectId=5`)).body.exampleUrl, `${receiver.url}/ids?id=5`);
  });

  it('the framing check asks the target once, whatever origins callers name, and judges each origin', async () => {
    const side = await create({ action: 'side_panel', page: 'patient', url: `${receiver.url}/frame/p` });
    const origins = [HOST_ORIGIN, 'http://a.example', 'http://b.example', 'http://c.example', 'http://d.example'];
    const verdicts = await Promise.all(origins.map((o) => user.get(`/v1/integrations/${side.id}/framing?origin=${encodeURIComponent(o)}`)));
    for (const v of verdicts) assert.equal(v.status, 200, v.text);
    assert.deepEqual(
      verdicts.map((v) => v.body.frameable),
      [true, false, false, false, false],
    );
    assert.match(verdicts[1].body.reason, /does not include http:\/\/a\.example/);
    for (const o of origins) assert.equal((await user.get(`/v1/integrations/${side.id}/framing?origin=${encodeURIComponent(o)}`)).status, 200);
    assert.equal(requestsTo('/frame/p').length, 1, `one request to the target: ${JSON.stringify(requestsTo('/frame/p').map((r) => r.method))}`);
  });
});
