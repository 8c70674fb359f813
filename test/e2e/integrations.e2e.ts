// Custom integrations end to end (custom-integrations.txt), against real receivers on
// loopback: settings validation (a 400 naming each field), the prefix syntax, GET and
// POST payloads exactly as the seed describes, reminders' repeated parameter, static
// headers sent but never shown or stored, the verification hash checked by a verifier
// written here (node:crypto over the bytes the receiver got; the vector below was also
// checked with Python's hashlib), every failure mapped to the seed's error, the job
// state and its event stream, the log with its filters and detail view, cross-tenant
// 404s, SSRF refusals, CORS for host pages, the framing check and the component bundle.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import {
  ApiClient,
  assertProblem,
  createAccount,
  dumpDatabase,
  eventually,
  login,
  startReceiver,
  startTestStack,
  type ReceivedRequest,
  type Reply,
  type TestReceiver,
  type TestStack,
} from '@hookline/testing';

const T = 'clinic';
const OTHER = 'elsewhere';
const SALT = 'Sa1t-for-the-verification-hash';
const STATIC_AUTH = 'Bearer static-header-secret-7f3a';
const API_KEY = 'k-static-api-key-91b2';
const HOST_ORIGIN = 'http://host.example';

/** The receiver's side of the seed's check, written here: md5(timestamp + salt) as hex. */
function verificationValid(timestamp: string, verification: string, salt: string): boolean {
  return /^\d+$/.test(timestamp) && createHash('md5').update(timestamp + salt, 'utf8').digest('hex') === verification;
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function query(r: ReceivedRequest): URLSearchParams {
  return new URL(r.url, 'http://x').searchParams;
}

describe('custom integrations', () => {
  let stack: TestStack;
  let receiver: TestReceiver;
  let admin: ApiClient;
  let clicker: ApiClient;
  let bob: ApiClient;
  let carol: ApiClient;
  let stranger: ApiClient;
  let bobId = 'bob';
  let clickerAccountId = '';
  let slowRelease: (() => void) | undefined;

  const path = (p: string) => `${receiver.url}${p}`;
  const requestsTo = (p: string) => receiver.requests.filter((r) => r.url.split('?')[0] === p);

  async function create(body: Record<string, unknown>, client: ApiClient = admin) {
    const res = await client.post('/v1/integrations', { page: 'client', action: 'background', method: 'GET', parameterName: 'id', ...body });
    assert.equal(res.status, 201, res.text);
    return res.body as { id: string; [k: string]: unknown };
  }

  async function trigger(id: string, objectIds: string[], client: ApiClient = bob) {
    const res = await client.post(`/v1/integrations/${id}/trigger`, { objectIds });
    assert.equal(res.status, 202, res.text);
    return res.body as { jobId: string; state: string; links: { job: string; events: string } };
  }

  async function settled(jobId: string, client: ApiClient = bob) {
    return eventually(`job ${jobId} to end`, async () => {
      const r = await client.get(`/v1/integration-jobs/${jobId}`);
      return r.status === 200 && (r.body.state === 'succeeded' || r.body.state === 'failed') ? r.body : undefined;
    });
  }

  before(async () => {
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        HOOKLINE_EGRESS_DEADLINE: '1500ms',
        HOOKLINE_RETRY_POLL_INTERVAL: '50ms',
        HOOKLINE_CORS_ORIGINS: HOST_ORIGIN,
      },
    });
    receiver = await startReceiver(async (req): Promise<Reply> => {
      const p = req.url.split('?')[0];
      if (p.startsWith('/fail')) return { status: 500, headers: { 'content-type': 'text/plain' }, body: 'the CRM is down' };
      if (p.startsWith('/hang')) return 'hang';
      if (p.startsWith('/slow')) {
        await new Promise<void>((r) => (slowRelease = r));
        return { status: 200, body: 'done' };
      }
      if (p.startsWith('/deny')) return { status: 200, headers: { 'x-frame-options': 'DENY' }, body: '<p>no frames</p>' };
      if (p.startsWith('/frame')) return { status: 200, headers: { 'content-security-policy': `frame-ancestors ${HOST_ORIGIN}` }, body: '<p>framed</p>' };
      return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
    });
    for (const [id, name] of [[T, 'Clinic'], [OTHER, 'Elsewhere']]) assert.equal((await stack.operator.post('/v1/tenants', { id, name })).status, 201);
    assert.equal((await stack.operator.post('/v1/units', { tenant: T, id: 'north', name: 'North' })).status, 201);
    for (const [id, units] of [['bob', ['north']], ['carol', ['north']]] as const) {
      assert.equal((await stack.operator.post('/v1/users', { tenant: T, id, displayName: id, units })).status, 201);
    }
    const adminAccount = await createAccount(stack.operator, { tenant: T, name: 'integrations-admin', grants: [{ actions: ['integrations:write', 'logs:read'], units: '*' }] });
    admin = (await login(stack.anonymous, adminAccount)).client;
    // The host application's account: it acts as its users, who may use the buttons in their unit.
    const hostAccount = await createAccount(stack.operator, { tenant: T, name: 'host-app', grants: [{ actions: ['integrations:use', 'users:impersonate'], units: ['north'] }] });
    clickerAccountId = hostAccount.id;
    clicker = (await login(stack.anonymous, hostAccount)).client;
    const exchange = async (user: string) => {
      const form = new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: clicker.token ?? '',
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        requested_subject: user,
      });
      const res = await stack.anonymous.post('/oauth/token', form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
      assert.equal(res.status, 200, res.text);
      return stack.anonymous.withToken(res.body.access_token);
    };
    bob = await exchange('bob');
    bobId = 'bob';
    carol = await exchange('carol');
    const strangerAccount = await createAccount(stack.operator, { tenant: OTHER, name: 'other-admin', grants: [{ actions: ['integrations:write', 'integrations:use'], units: '*' }] });
    stranger = (await login(stack.anonymous, strangerAccount)).client;
  });

  after(async () => {
    slowRelease?.();
    await receiver?.close();
    await stack?.stop();
  });

  it('settings: a 400 problem naming each bad field; SSRF-refused URLs; secrets never answered', async () => {
    const ok = { name: 'Send client', page: 'client', action: 'background', method: 'GET', url: path('/ok'), parameterName: 'id' };
    const bad: [Record<string, unknown>, string][] = [
      [{ ...ok, name: '' }, 'name'],
      [{ ...ok, name: undefined }, 'name'],
      [{ ...ok, page: 'billing' }, 'page'],
      [{ ...ok, page: undefined }, 'page'],
      [{ ...ok, action: 'popup' }, 'action'],
      [{ ...ok, method: 'PUT' }, 'method'],
      [{ ...ok, url: 'ftp://crm.example/x' }, 'url'],
      [{ ...ok, url: 'crm.example/no-scheme' }, 'url'],
      [{ ...ok, parameterName: 'my id' }, 'parameterName'],
      [{ ...ok, parameterName: '=client_' }, 'parameterName'],
      [{ ...ok, enabled: 'yes' }, 'enabled'],
      [{ ...ok, verification: 'on' }, 'verification'],
      [{ ...ok, verification: true }, 'verificationSalt'],
      [{ ...ok, verification: true, verificationSalt: 'short' }, 'verificationSalt'],
      [{ ...ok, verification: true, verificationSalt: SALT, parameterName: 'timestamp' }, 'parameterName'],
      [{ ...ok, headers: { 'Bad Name': 'x' } }, 'headers'],
      [{ ...ok, headers: { 'X-Evil': 'a\r\nInjected: 1' } }, 'headers'],
      [{ ...ok, headers: ['Authorization'] }, 'headers'],
      [{ ...ok, action: 'new_window', headers: { Authorization: STATIC_AUTH } }, 'headers'],
      [{ ...ok, action: 'side_panel', headers: { 'X-Api-Key': API_KEY } }, 'headers'],
      [{ ...ok, headers: { Host: 'evil.example' } }, 'headers'],
      [{ ...ok, colour: 'brown' }, 'colour'],
      [{ ...ok, url: 'http://169.254.169.254/latest/meta-data' }, 'url'],
      [{ ...ok, url: 'http://10.0.0.7/hook' }, 'url'],
      [{ ...ok, url: 'http://[::ffff:10.0.0.7]/hook' }, 'url'],
    ];
    for (const [body, field] of bad) {
      const res = await admin.post('/v1/integrations', body);
      assertProblem(res, 400, field);
      assert.ok(!res.text.includes(STATIC_AUTH) && !res.text.includes(SALT), `a refusal never echoes a secret: ${res.text}`);
    }
    assertProblem(await stack.operator.post('/v1/integrations', ok), 400, 'tenant');
    const patchTarget = await create({ ...ok, name: 'patch target' });
    assertProblem(await admin.patch(`/v1/integrations/${patchTarget.id}`, { method: 'DELETE' }), 400, 'method');
    assertProblem(await admin.patch(`/v1/integrations/${patchTarget.id}`, { verification: true }), 400, 'verificationSalt');
    assertProblem(await admin.patch(`/v1/integrations/${patchTarget.id}`, { url: 'http://169.254.169.254/' }), 400, 'url');
    assertProblem(await admin.post('/v1/integrations/preview', { method: 'GET', url: path('/x'), parameterName: 'a b' }), 400, 'parameterName');
    // Without the permission: 403; reading is not writing.
    assert.equal((await bob.post('/v1/integrations', ok)).status, 403);
    assert.equal((await bob.get('/v1/integrations')).status, 403);
  });

  it('CRUD: listed by page, edited, disabled, deleted; the salt and header values only in the signer', async () => {
    const created = await create({
      name: 'Sync client to CRM',
      url: path('/crud'),
      parameterName: 'id=client_',
      verification: true,
      verificationSalt: SALT,
      headers: { Authorization: STATIC_AUTH, 'X-Api-Key': API_KEY },
    });
    assert.equal(created.verification, true);
    assert.equal(created.verificationConfigured, true);
    assert.deepEqual(created.headerNames, ['Authorization', 'X-Api-Key']);
    assert.equal(created.enabled, true);
    const side = await create({ name: 'Patient panel', page: 'patient', action: 'side_panel', url: path('/frame'), parameterName: 'patient_id' });
    const read = await admin.get(`/v1/integrations/${created.id}`);
    assert.equal(read.status, 200);
    for (const text of [read.text, JSON.stringify(created)]) assert.ok(!text.includes(SALT) && !text.includes(STATIC_AUTH) && !text.includes(API_KEY));

    const patients = await admin.get('/v1/integrations?page=patient');
    assert.deepEqual(patients.body.data.map((i: { id: string }) => i.id), [side.id]);
    const disabled = await admin.patch(`/v1/integrations/${side.id}`, { enabled: false, name: 'Patient panel (old)' });
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(disabled.body.enabled, false);
    assert.deepEqual((await admin.get('/v1/integrations?page=patient&enabled=true')).body.data, []);
    // Foreground now: the static headers must go in the same edit, or it is refused.
    assertProblem(await admin.patch(`/v1/integrations/${created.id}`, { action: 'new_window' }), 400, 'headers');
    const removed = await admin.patch(`/v1/integrations/${created.id}`, { headers: null, verificationSalt: 'a-new-salt-value', name: 'Sync client (v2)' });
    assert.equal(removed.status, 200, removed.text);
    assert.deepEqual(removed.body.headerNames, []);

    assert.equal((await admin.delete(`/v1/integrations/${side.id}`)).status, 204);
    assert.equal((await admin.get(`/v1/integrations/${side.id}`)).status, 404);
    assert.equal((await admin.delete(`/v1/integrations/${side.id}`)).status, 404);

    const changes = await eventually('the integration changes in the audit log', async () => {
      const r = await admin.get(`/v1/audit/changes?entity=integration&entityId=${created.id}`);
      return r.status === 200 && r.body.data.length >= 2 ? r : undefined;
    });
    const actions = changes.body.data.map((c: { action: string }) => c.action);
    assert.deepEqual(actions.sort(), ['created', 'updated']);
    const update = changes.body.data.find((c: { action: string }) => c.action === 'updated');
    assert.deepEqual(update.detail, { headersChange: 'removed', verificationChange: 'replaced' });
    assert.equal(update.after.verification, true, 'view fields survive the outbox redaction');
    const everything = [changes.text, await dumpDatabase(stack.databaseUrl), stack.allLogLines().join('\n')].join('\n');
    for (const secret of [SALT, 'a-new-salt-value', STATIC_AUTH, API_KEY]) assert.ok(!everything.includes(secret), `${secret} leaked into the changes, the database or a log`);
  });

  it('payload preview: keys and values as they would be sent, for a saved integration and for a draft', async () => {
    const i = await create({ name: 'Preview me', url: path('/preview?src=vet'), parameterName: 'id=client_', verification: true, verificationSalt: SALT, headers: { 'X-Api-Key': API_KEY } });
    const saved = await admin.get(`/v1/integrations/${i.id}/preview?objectId=77`);
    assert.equal(saved.status, 200, saved.text);
    assert.deepEqual(saved.body.fields.map((f: { key: string }) => f.key), ['id', 'timestamp', 'verification']);
    assert.equal(saved.body.fields[0].value, 'client_77');
    assert.equal(saved.body.sentAs, 'query string');
    assert.match(saved.body.exampleUrl, /\/preview\?src=vet&id=client_77&timestamp=/);
    assert.deepEqual(saved.body.headers, ['X-Api-Key']);
    assert.ok(!saved.text.includes(API_KEY) && !saved.text.includes(SALT));
    const draft = await admin.post('/v1/integrations/preview', { method: 'POST', url: path('/r'), parameterName: 'reminder=r_', page: 'reminders', objectIds: ['5', '6'] });
    assert.equal(draft.status, 200, draft.text);
    assert.deepEqual(draft.body.fields, [{ key: 'reminder', value: 'r_5' }, { key: 'reminder', value: 'r_6' }]);
    assert.equal(draft.body.sentAs, 'form data');
  });

  it('background GET: the prefix syntax in the query string, the job id at once, success on 2xx', async () => {
    const i = await create({ name: 'Client to CRM', url: path('/get?src=vet'), parameterName: 'id=client_' });
    const before = Date.now();
    const t = await trigger(i.id, ['42']);
    assert.equal(t.state, 'scheduled');
    assert.match(t.jobId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(t.links, { job: `/v1/integration-jobs/${t.jobId}`, events: `/v1/integration-jobs/${t.jobId}/events` });
    const job = await settled(t.jobId);
    assert.equal(job.state, 'succeeded');
    assert.equal(job.statusCode, 200);
    const got = requestsTo('/get');
    assert.equal(got.length, 1);
    assert.equal(got[0].method, 'GET');
    assert.equal(got[0].url, '/get?src=vet&id=client_42', 'exactly the seed: https://example.com/?id=client_1');
    assert.equal(got[0].body, '');
    assert.ok(got[0].at >= before);
    assert.equal(got[0].headers['hookline-delivery-id'], t.jobId);
    // Plain "id" sends the id itself.
    const plain = await create({ name: 'Plain id', url: path('/plain'), parameterName: 'id' });
    await settled((await trigger(plain.id, ['1'])).jobId);
    assert.equal(requestsTo('/plain')[0].url, '/plain?id=1');
  });

  it('background POST: form data, static headers sent but never logged or answered', async () => {
    const i = await create({ name: 'Patient to lab', page: 'patient', method: 'POST', url: path('/post'), parameterName: 'patient_id', headers: { Authorization: STATIC_AUTH, 'X-Api-Key': API_KEY } });
    const t = await trigger(i.id, ['P-9']);
    assert.equal((await settled(t.jobId)).state, 'succeeded');
    const [r] = requestsTo('/post');
    assert.equal(r.method, 'POST');
    assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(r.body, 'patient_id=P-9');
    assert.equal(r.headers.authorization, STATIC_AUTH);
    assert.equal(r.headers['x-api-key'], API_KEY);
    const entry = await eventually('the log entry with its attempt', async () => {
      const e = await admin.get(`/v1/integration-log/${t.jobId}`);
      return e.status === 200 && e.body.attempts.length === 1 ? e : undefined;
    });
    const delivery = await admin.get(`/v1/deliveries/${t.jobId}`);
    assert.equal(delivery.body.request.headers.Authorization, '[redacted]');
    assert.equal(delivery.body.request.headers['X-Api-Key'], '[redacted]');
    for (const text of [entry.text, delivery.text, (await admin.get('/v1/integration-log')).text, stack.allLogLines().join('\n'), await dumpDatabase(stack.databaseUrl)]) {
      assert.ok(!text.includes(STATIC_AUTH) && !text.includes(API_KEY), 'static header values are never logged or stored');
    }
    assert.equal(entry.body.attempts[0].request.method, 'POST');
    assert.equal(entry.body.attempts[0].request.body, 'patient_id=P-9');
    assert.equal(entry.body.attempts[0].request.headers, undefined, 'the log detail shows no request headers at all');
  });

  it('verification: background requests carry timestamp and md5(timestamp + salt), taken when sent', async () => {
    assert.ok(verificationValid('1767225600', 'cb1d54582d2cf5d721dac1fe9df37f6b', 'my-salt'), 'the verifier agrees with the vector from Python hashlib');
    for (const method of ['GET', 'POST'] as const) {
      const i = await create({ name: `Verified ${method}`, method, url: path(`/verified-${method}`), parameterName: 'id=c', verification: true, verificationSalt: SALT });
      const before = Math.floor(Date.now() / 1000);
      await settled((await trigger(i.id, ['5'])).jobId);
      const after = Math.ceil(Date.now() / 1000);
      const [r] = requestsTo(`/verified-${method}`);
      const fields = method === 'GET' ? query(r) : new URLSearchParams(r.body);
      assert.deepEqual([...fields.keys()], ['id', 'timestamp', 'verification']);
      assert.equal(fields.get('id'), 'c5');
      const ts = fields.get('timestamp') ?? '';
      assert.ok(Number(ts) >= before && Number(ts) <= after, `timestamp ${ts} is when it was sent`);
      assert.ok(verificationValid(ts, fields.get('verification') ?? '', SALT), 'a valid verification hash');
      assert.ok(!verificationValid(ts, fields.get('verification') ?? '', 'another-salt'));
    }
    const logged = (await admin.get('/v1/integration-log?state=succeeded')).text;
    assert.match(logged, /./);
  });

  it('foreground: the buttons of a page with the exact URL or form, verification computed at render time', async () => {
    const page = 'invoice';
    const win = await create({ name: 'Open invoice', page, action: 'new_window', method: 'GET', url: path('/invoice?x=1'), parameterName: 'invoice=inv_', verification: true, verificationSalt: SALT });
    const form = await create({ name: 'Invoice form', page, action: 'side_panel', method: 'POST', url: path('/frame/invoice'), parameterName: 'invoice_id' });
    const bg = await create({ name: 'Invoice to ERP', page, url: path('/erp'), parameterName: 'invoice_id' });
    const off = await create({ name: 'Disabled', page, url: path('/erp'), parameterName: 'invoice_id', enabled: false });
    const before = Math.floor(Date.now() / 1000);
    const res = await bob.get(`/v1/integrations/buttons?page=${page}&objectId=INV-3`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const byId = new Map(res.body.buttons.map((b: { id: string }) => [b.id, b]));
    assert.ok(!byId.has(off.id), 'a disabled integration has no button');
    assert.deepEqual(res.body.buttons.map((b: { id: string }) => b.id), [win.id, form.id, bg.id], 'in the order they were added');
    const w = byId.get(win.id) as { request: { method: string; url: string }; origin: string };
    assert.equal(w.origin, receiver.url);
    assert.equal(w.request.method, 'GET');
    const u = new URL(w.request.url);
    assert.equal(u.pathname + '?' + [...u.searchParams.keys()].join(','), '/invoice?x,invoice,timestamp,verification');
    assert.equal(u.searchParams.get('invoice'), 'inv_INV-3');
    const ts = u.searchParams.get('timestamp') ?? '';
    assert.ok(Number(ts) >= before && Number(ts) <= Math.ceil(Date.now() / 1000), 'the timestamp is the render time');
    assert.ok(verificationValid(ts, u.searchParams.get('verification') ?? '', SALT));
    assert.ok(!res.text.includes(SALT));
    assert.deepEqual((byId.get(form.id) as { request: unknown }).request, { method: 'POST', url: path('/frame/invoice'), fields: [['invoice_id', 'INV-3']] });
    assert.deepEqual((byId.get(bg.id) as { trigger: unknown }).trigger, { method: 'POST', href: `/v1/integrations/${bg.id}/trigger` });
    // Foreground actions are the browser's: the platform neither sends nor logs them.
    const refused = await bob.post(`/v1/integrations/${win.id}/trigger`, { objectIds: ['INV-3'] });
    assertProblem(refused, 409);
    assert.equal(refused.body.integrationError, 'Data error');
    assert.equal(requestsTo('/invoice').length, 0);
    // One object id per page, except reminders.
    assertProblem(await bob.get(`/v1/integrations/buttons?page=${page}&objectId=1&objectId=2`), 400, 'objectId');
    assertProblem(await bob.get('/v1/integrations/buttons?page=nowhere&objectId=1'), 400, 'page');
    assertProblem(await bob.get(`/v1/integrations/buttons?page=${page}`), 400, 'objectId');
    assertProblem(await bob.get(`/v1/integrations/buttons?page=${page}&objectId=a%20b`), 400, 'objectId');
  });

  it('reminders: many ids in one request, the parameter repeated in order', async () => {
    const post = await create({ name: 'Remind by SMS', page: 'reminders', method: 'POST', url: path('/reminders-post'), parameterName: 'reminder_id=r' });
    const get = await create({ name: 'Remind list', page: 'reminders', method: 'GET', url: path('/reminders-get'), parameterName: 'rid' });
    const ids = ['30', '10', '20', '11', '12'];
    await settled((await trigger(post.id, ids)).jobId);
    await settled((await trigger(get.id, ids)).jobId);
    assert.equal(requestsTo('/reminders-post')[0].body, 'reminder_id=r30&reminder_id=r10&reminder_id=r20&reminder_id=r11&reminder_id=r12');
    assert.deepEqual(query(requestsTo('/reminders-get')[0]).getAll('rid'), ids);
    const many = Array.from({ length: 200 }, (_, k) => String(k + 1));
    await settled((await trigger(get.id, many)).jobId);
    assert.deepEqual(query(requestsTo('/reminders-get')[1]).getAll('rid'), many);
    const buttons = await bob.get(`/v1/integrations/buttons?page=reminders&${ids.map((i) => `objectId=${i}`).join('&')}`);
    assert.deepEqual(buttons.body.objectIds, ids);
    const single = await create({ name: 'Client only', url: path('/single'), parameterName: 'id' });
    const two = await bob.post(`/v1/integrations/${single.id}/trigger`, { objectIds: ['1', '2'] });
    assertProblem(two, 400, 'objectIds');
    assert.equal(two.body.integrationError, 'Data error');
  });

  it("every failure is the seed's error: Integration error with the status, Backend error, Data error, Connection error", async () => {
    const fail = await create({ name: 'Failing CRM', url: path('/fail'), parameterName: 'id' });
    const failed = await settled((await trigger(fail.id, ['1'])).jobId);
    assert.deepEqual({ state: failed.state, error: failed.error, statusCode: failed.statusCode }, { state: 'failed', error: 'Integration error', statusCode: 500 });
    assert.equal(requestsTo('/fail').length, 1, 'one attempt: the user is waiting, nothing is retried behind their back');

    const refused = await create({ name: 'Nobody home', url: `http://127.0.0.1:${await closedPort()}/x`, parameterName: 'id' });
    const r1 = await settled((await trigger(refused.id, ['1'])).jobId);
    assert.deepEqual({ state: r1.state, error: r1.error, statusCode: r1.statusCode }, { state: 'failed', error: 'Backend error', statusCode: undefined });

    const hang = await create({ name: 'Too slow', url: path('/hang'), parameterName: 'id' });
    const r2 = await settled((await trigger(hang.id, ['1'])).jobId);
    assert.equal(r2.error, 'Backend error');

    const dns = await create({ name: 'No such host', url: 'http://no-such-host.invalid/x', parameterName: 'id' });
    const r3 = await settled((await trigger(dns.id, ['1'])).jobId);
    assert.equal(r3.error, 'Backend error');

    const data = await bob.post(`/v1/integrations/${fail.id}/trigger`, { objectIds: ['not valid!'] });
    assertProblem(data, 400, 'objectIds');
    assert.equal(data.body.integrationError, 'Data error');
    const malformed = await bob.post(`/v1/integrations/${fail.id}/trigger`, { objectIds: 'x', extra: 1 });
    assert.equal(malformed.body.integrationError, 'Data error');
    const unknown = await bob.post('/v1/integrations/00000000-0000-4000-8000-000000000000/trigger', { objectIds: ['1'] });
    assertProblem(unknown, 404);
    assert.equal(unknown.body.integrationError, 'Data error');
    // The request to schedule did not go through: the session is gone.
    const gone = await stack.anonymous.withToken('eyJhbGciOiJFZERTQSJ9.e30.bm90IGEgdG9rZW4').post(`/v1/integrations/${fail.id}/trigger`, { objectIds: ['1'] });
    assertProblem(gone, 401);
    assert.equal(gone.body.integrationError, 'Connection error');

    // A request whose integration was disabled before it went out: cancelled, a Backend error.
    const late = await create({ name: 'Disabled meanwhile', url: path('/slow-cancel'), parameterName: 'id' });
    assert.equal((await admin.patch(`/v1/integrations/${late.id}`, { enabled: false })).status, 200);
    const off = await bob.post(`/v1/integrations/${late.id}/trigger`, { objectIds: ['1'] });
    assertProblem(off, 409);
    assert.equal(off.body.integrationError, 'Data error');
  });

  it('the job state is pushed as Server-Sent Events through the gateway: scheduled, sending, succeeded', async () => {
    const i = await create({ name: 'Slow CRM', url: path('/slow'), parameterName: 'id' });
    const t = await trigger(i.id, ['1']);
    const res = await fetch(stack.url + t.links.events, { headers: { authorization: `Bearer ${bob.token}`, accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    const states: string[] = [];
    let text = '';
    await eventually('the request to reach the slow receiver', async () => (slowRelease ? true : undefined));
    const readUntil = async (want: string) => {
      while (!states.includes(want)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
        states.splice(0, states.length, ...[...text.matchAll(/event: state\nid: \d+\ndata: (.*)\n\n/g)].map((m) => JSON.parse(m[1]).state));
      }
    };
    await readUntil('sending');
    assert.ok(states.includes('sending'), `the stream said sending while the request was out: ${text}`);
    assert.equal((await bob.get(t.links.job)).body.state !== 'succeeded', true);
    slowRelease?.();
    await readUntil('succeeded');
    const { done } = await reader.read();
    assert.equal(done, true, 'the stream ends with the job');
    assert.deepEqual(states.filter((s, k) => states.indexOf(s) === k), states, 'each state once');
    assert.equal(states[states.length - 1], 'succeeded');
    assert.ok(['scheduled', 'sending'].includes(states[0]));
  });

  it('jobs are visible to who triggered them and to the log readers; the log filters and shows the detail', async () => {
    const i = await create({ name: 'Logged', url: path('/logged'), parameterName: 'id=L' });
    const other = await create({ name: 'Logged failing', url: path('/fail-logged'), parameterName: 'id' });
    const start = new Date().toISOString();
    const byBob = await trigger(i.id, ['1']);
    const byCarol = await trigger(i.id, ['2'], carol);
    const failing = await trigger(other.id, ['3']);
    for (const [id, who] of [[byBob.jobId, bob], [byCarol.jobId, carol], [failing.jobId, bob]] as const) await settled(id, who);
    assert.equal((await carol.get(`/v1/integration-jobs/${byBob.jobId}`)).status, 404, "another user's job is not found");
    assert.equal((await admin.get(`/v1/integration-jobs/${byBob.jobId}`)).status, 200, 'a log reader sees it');
    assert.equal((await clicker.get(`/v1/integration-jobs/${byBob.jobId}`)).status, 404, 'the account itself is not bob');

    const list = async (q: string) => {
      const r = await admin.get(`/v1/integration-log?${q}`);
      assert.equal(r.status, 200, r.text);
      return r.body.data as { id: string; state: string; triggeredBy: { userId?: string; accountId: string }; triggeredByText: string; integration: { id: string; name: string }; page: string; objectIds: string[]; createdAt: string }[];
    };
    const mine = await list(`integration=${i.id}`);
    assert.deepEqual(mine.map((e) => e.id), [byCarol.jobId, byBob.jobId], 'newest first');
    assert.deepEqual(mine[1].objectIds, ['1']);
    assert.equal(mine[1].page, 'client');
    assert.equal(mine[1].triggeredBy.userId, bobId);
    assert.equal(mine[1].triggeredBy.accountId, clickerAccountId);
    assert.match(mine[1].triggeredByText, /^user bob/);
    assert.deepEqual((await list(`user=carol&from=${start}`)).map((e) => e.id), [byCarol.jobId]);
    assert.deepEqual((await list(`state=failed&from=${start}`)).map((e) => e.id), [failing.jobId]);
    assert.ok((await list(`state=succeeded&from=${start}`)).every((e) => e.state === 'succeeded'));
    assert.deepEqual(await list(`integration=${i.id}&to=${start}`), []);
    assertProblem(await admin.get('/v1/integration-log?state=lost'), 400, 'state');
    assertProblem(await admin.get('/v1/integration-log?from=yesterday'), 400, 'from');
    assert.equal((await bob.get('/v1/integration-log')).status, 403);

    const detail = await admin.get(`/v1/integration-log/${failing.jobId}`);
    assert.equal(detail.status, 200, detail.text);
    assert.equal(detail.body.error, 'Integration error');
    assert.equal(detail.body.integration.name, 'Logged failing');
    assert.deepEqual(detail.body.payload, { id: '3' });
    const [a] = detail.body.attempts;
    assert.equal(a.request.method, 'GET');
    assert.equal(a.request.url, `${path('/fail-logged')}?id=3`);
    assert.equal(a.response.status, 500);
    assert.equal(a.response.body, 'the CRM is down');
    assert.equal(typeof a.durationMs, 'number');
    // The delivery log says a GET sent no body (the payload is in the query string).
    const sent = await admin.get(`/v1/deliveries/${failing.jobId}`);
    assert.equal(sent.body.request.method, 'GET');
    assert.equal(sent.body.request.body, null);
    // Administrators may send one again (the same job id, its next attempt).
    assert.equal((await admin.post(`/v1/deliveries/${failing.jobId}/resend`)).status, 202);
    await eventually('the resend', async () => (requestsTo('/fail-logged').length === 2 ? true : undefined));
  });

  it("another tenant's integrations, jobs and log entries are not found", async () => {
    const i = await create({ name: 'Mine', url: path('/mine'), parameterName: 'id' });
    const t = await trigger(i.id, ['1']);
    await settled(t.jobId);
    for (const res of [
      await stranger.get(`/v1/integrations/${i.id}`),
      await stranger.patch(`/v1/integrations/${i.id}`, { name: 'theirs' }),
      await stranger.delete(`/v1/integrations/${i.id}`),
      await stranger.get(`/v1/integrations/${i.id}/preview`),
      await stranger.post(`/v1/integrations/${i.id}/trigger`, { objectIds: ['1'] }),
      await stranger.get(`/v1/integration-jobs/${t.jobId}`),
      await stranger.get(`/v1/integration-jobs/${t.jobId}/events`),
      await stranger.get(`/v1/integrations?tenant=${T}`),
    ]) {
      assert.equal(res.status, 404, res.text);
    }
    assert.deepEqual((await stranger.get('/v1/integrations/buttons?page=client&objectId=1')).body.buttons, []);
    assert.equal((await stack.operator.get(`/v1/integration-log/${t.jobId}?tenant=${OTHER}`)).status, 404);
    assert.equal(requestsTo('/mine').length, 1);
  });

  it('side panels: the framing check says when the target refuses to be framed', async () => {
    const deny = await create({ name: 'Denies frames', page: 'consultation', action: 'side_panel', url: path('/deny'), parameterName: 'id' });
    const allow = await create({ name: 'Allows the host', page: 'consultation', action: 'side_panel', url: path('/frame/c'), parameterName: 'id' });
    const d = await bob.get(`/v1/integrations/${deny.id}/framing?origin=${encodeURIComponent(HOST_ORIGIN)}`);
    assert.equal(d.status, 200, d.text);
    assert.equal(d.body.frameable, false);
    assert.match(d.body.reason, /X-Frame-Options: DENY/);
    assert.equal((await bob.get(`/v1/integrations/${allow.id}/framing?origin=${encodeURIComponent(HOST_ORIGIN)}`)).body.frameable, true);
    assert.equal((await bob.get(`/v1/integrations/${allow.id}/framing?origin=${encodeURIComponent('http://elsewhere.example')}`)).body.frameable, false);
    assertProblem(await bob.get(`/v1/integrations/${allow.id}/framing?origin=javascript:alert(1)`), 400, 'origin');
  });

  it('host pages: CORS for the configured origin only, and the web component as one ES module', async () => {
    const pre = await fetch(`${stack.url}/v1/integrations/buttons?page=client&objectId=1`, {
      method: 'OPTIONS',
      headers: { origin: HOST_ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), HOST_ORIGIN);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const jobPre = await fetch(`${stack.url}/v1/integration-jobs/00000000-0000-4000-8000-000000000000/events`, {
      method: 'OPTIONS',
      headers: { origin: HOST_ORIGIN, 'access-control-request-method': 'GET' },
    });
    assert.equal(jobPre.headers.get('access-control-allow-origin'), HOST_ORIGIN);
    const real = await fetch(`${stack.url}/v1/integrations/buttons?page=client&objectId=1`, { headers: { origin: HOST_ORIGIN, authorization: `Bearer ${bob.token}` } });
    assert.equal(real.headers.get('access-control-allow-origin'), HOST_ORIGIN);
    const evil = await fetch(`${stack.url}/v1/integrations/buttons?page=client&objectId=1`, { headers: { origin: 'http://evil.example', authorization: `Bearer ${bob.token}` } });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const admin404 = await fetch(`${stack.url}/v1/integrations`, { headers: { origin: HOST_ORIGIN } });
    assert.equal(admin404.headers.get('access-control-allow-origin'), null, 'the admin API stays same-origin');

    const js = await fetch(`${stack.url}/integration-buttons/hookline-integrations.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(js.headers.get('access-control-allow-origin'), '*');
    const code = await js.text();
    assert.match(code, /hookline-integrations/);
    assert.doesNotMatch(code, /^\s*import\s/m, 'one module: Lit is inside');
    const again = await fetch(`${stack.url}/integration-buttons/hookline-integrations.js`, { headers: { 'if-none-match': js.headers.get('etag') ?? '' } });
    assert.equal(again.status, 304);
  });
});
