// Push notifications end to end, against a real notification server on loopback that
// implements the seed's contract: the system parameters (global only, the JWT write-only),
// the type catalogue, the enable flags (global on/off, unit overrides both ways,
// inheritance from a parent unit), the exact headers, success only on the full
// Success/Code/Message answer, every other answer recorded with its reason and retried,
// the shared delivery log, and expiry (a day compressed to a second) deleting what was
// never delivered, recorded in the audit log.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pushDeliveryIdFor } from '@hookline/contracts';
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

const TENANT = 'push';
const EXPIRY = 'push-expiry';
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJob29rbGluZS1wdXNoIn0.c2VjcmV0LXB1c2gtc2lnbmF0dXJlLXZhbHVl';
const BOOKED = 'appointment.booked';
const OK: Reply = { status: 200, headers: { 'content-type': 'application/json' }, body: '{ "Success": true, "Code": "0", "Message": "OK" }' };
const json = (body: unknown, status = 200): Reply => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

interface Notification {
  type: string;
  id: string;
  eventId: string;
  tenant: string;
  occurredAt: string;
  object: { type: string; id: string; unit?: string };
  data: Record<string, unknown>;
}

const parse = (r: ReceivedRequest) => JSON.parse(r.body) as Notification;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('push notifications', () => {
  let stack: TestStack;
  let server: TestReceiver;
  let expiryServer: TestReceiver;
  let n = 0;
  /** The first answer of each notification, by data.scenario (later attempts get OK). */
  const firstAnswer: Record<string, Reply> = {};
  let acceptLater = false;

  const requestsFor = (r: TestReceiver, id: string) => r.requests.filter((q) => parse(q).id === id);

  async function publish(tenant: string, topic: string, unit: string | undefined, data: Record<string, unknown> = {}) {
    const res = await stack.operator.post('/v1/events', { tenant, topic, object: { type: 'appointment', id: String(++n), ...(unit ? { unit } : {}) }, data });
    assert.equal(res.status, 202, res.text);
    return res.body.id as string;
  }

  async function delivery(tenant: string, id: string, status: string | RegExp, timeoutMs = 20_000) {
    return eventually(`push notification ${id} ${status}`, async () => {
      const res = await stack.operator.get(`/v1/deliveries/${id}?tenant=${tenant}`);
      if (res.status !== 200) return undefined;
      return (typeof status === 'string' ? res.body.status === status : status.test(res.body.status)) ? res.body : undefined;
    }, timeoutMs);
  }

  /** Publishes an Appointments.Booked event in `unit` and waits for its push delivery to settle. */
  async function booked(unit: string | undefined, status: 'succeeded' | 'filtered', data: Record<string, unknown> = {}) {
    const eventId = await publish(TENANT, 'Appointments.Booked', unit, data);
    const id = pushDeliveryIdFor(eventId, BOOKED);
    return { eventId, id, d: await delivery(TENANT, id, status) };
  }

  const put = (path: string, body: unknown, client: ApiClient = stack.operator) => client.put(path, body);
  const setFlag = async (enabled: boolean, unit?: string) => {
    const res = await put(`/v1/push/types/${BOOKED}/enabled?tenant=${TENANT}`, { enabled, ...(unit ? { unit } : {}) });
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const clearFlag = async (unit?: string) => {
    const res = await stack.operator.delete(`/v1/push/types/${BOOKED}/enabled?tenant=${TENANT}${unit ? `&unit=${unit}` : ''}`);
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const effective = async (unit?: string) => (await stack.operator.get(`/v1/push/types/${BOOKED}/enabled?tenant=${TENANT}${unit ? `&unit=${unit}` : ''}`)).body;

  before(async () => {
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        HOOKLINE_EGRESS_DEADLINE: '1500ms',
        HOOKLINE_RETRY_SCHEDULE: '1s,2s,3s,4s',
        HOOKLINE_RETRY_POLL_INTERVAL: '50ms',
        // One "day" of notification_days_before lasts a second here.
        HOOKLINE_PUSH_DAY_LENGTH: '1s',
        HOOKLINE_PUSH_EXPIRY_SWEEP: '250ms',
      },
    });
    server = await startReceiver((req) => {
      const body = parse(req);
      const scenario = String(body.data.scenario ?? '');
      const first = requestsFor(server, body.id).length === 1;
      return first && firstAnswer[scenario] ? firstAnswer[scenario] : OK;
    });
    expiryServer = await startReceiver((req) => (parse(req).data.mode === 'later' && acceptLater ? OK : json({ Success: false, Code: 503, Message: 'backend down' })));
    for (const [tenant, name] of [[TENANT, 'Push Inc'], [EXPIRY, 'Expiry Inc']]) {
      assert.equal((await stack.operator.post('/v1/tenants', { id: tenant, name })).status, 201);
    }
    for (const [id, parentId] of [['north'], ['oslo', 'north'], ['sentrum', 'oslo'], ['south']] as [string, string?][]) {
      assert.equal((await stack.operator.post('/v1/units', { tenant: TENANT, id, name: id, ...(parentId ? { parentId } : {}) })).status, 201);
    }
  });
  after(async () => {
    await server?.close();
    await expiryServer?.close();
    await stack?.stop();
  });

  it('system parameters: only globally (a unit is refused, naming the field), validated, the JWT write-only', async () => {
    const path = `/v1/push/settings?tenant=${TENANT}`;
    const defaults = await stack.operator.get(path);
    assert.equal(defaults.status, 200, defaults.text);
    assert.deepEqual(
      { url: defaults.body.notification_server_url, jwt: defaults.body.notification_jwt_set, days: defaults.body.notification_days_before },
      { url: null, jwt: false, days: 7 },
    );

    const forUnit = await put(path, { unit: 'north', notification_server_url: server.url });
    assertProblem(forUnit, 400, 'notification_server_url');
    assertProblem(forUnit, 400, 'unit');
    assert.match(forUnit.body.detail, /only be set globally/);
    assertProblem(await put(`${path}&unit=north`, { notification_days_before: 3 }), 400, 'notification_days_before');
    assertProblem(await put(path, { unit: 'north', notification_jwt: JWT }), 400, 'notification_jwt');
    assertProblem(await stack.operator.get(`${path}&unit=north`), 400, 'unit');
    assert.ok(!(await put(path, { unit: 'north', notification_jwt: JWT })).text.includes(JWT), 'a refusal never echoes the JWT');

    assertProblem(await put(path, { notification_server_url: 'ftp://example.com/x' }), 400, 'notification_server_url');
    assertProblem(await put(path, { notification_server_url: 'http://169.254.169.254/latest' }), 400, 'notification_server_url');
    assertProblem(await put(path, { notification_days_before: -1 }), 400, 'notification_days_before');
    assertProblem(await put(path, { notification_days_before: 1.5 }), 400, 'notification_days_before');
    assertProblem(await put(path, { notification_days_before: '3' }), 400, 'notification_days_before');
    assertProblem(await put(path, { notification_jwt: 'abc\r\nX-Evil: 1' }), 400, 'notification_jwt');
    assertProblem(await put(path, { notification_jwt: 42 }), 400, 'notification_jwt');
    assertProblem(await put(path, {}), 400, 'body');
    assertProblem(await put(path, { notification_server_urll: server.url }), 400, 'notification_server_urll');
    assertProblem(await put('/v1/push/settings', { notification_days_before: 3 }), 400, 'tenant');

    const saved = await put(path, { notification_server_url: `${server.url}/notify`, notification_jwt: JWT, notification_days_before: 600 });
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.headers.get('cache-control'), 'no-store');
    assert.deepEqual(
      { url: saved.body.notification_server_url, jwt: saved.body.notification_jwt_set, days: saved.body.notification_days_before },
      { url: `${server.url}/notify`, jwt: true, days: 600 },
    );
    const read = await stack.operator.get(path);
    assert.equal(read.body.notification_jwt_set, true);
    for (const res of [saved, read]) assert.ok(!res.text.includes(JWT), 'the JWT is never shown');

    const change = await eventually('the settings change in the audit log', async () => {
      const res = await stack.operator.get(`/v1/audit/changes?tenant=${TENANT}&entity=push-settings`);
      return res.body.data?.find((c: { after: { notification_jwt_set?: boolean } }) => c.after?.notification_jwt_set === true);
    });
    assert.equal(change.by, 'operator');
    assert.equal(change.detail.jwtChange, 'replaced');
    assert.equal(change.after.notification_days_before, 600);
    assertProblem(await stack.operator.get(`/v1/audit/changes?tenant=${TENANT}&entity=planet`), 400, 'entity');
  });

  it('the catalogue: types mapped to host event topics, each documenting its body', async () => {
    const created = await stack.operator.post('/v1/push/types', {
      tenant: TENANT,
      type: BOOKED,
      topic: 'Appointments.Booked',
      description: 'An appointment was booked',
      example: { appointmentId: 'A-1', start: '2026-01-01T10:00:00Z' },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body.flags, { global: null, units: [] });
    assert.equal(created.body.bodyExample.type, BOOKED);
    assert.deepEqual(created.body.bodyExample.data, { appointmentId: 'A-1', start: '2026-01-01T10:00:00Z' });
    for (const [type, topic] of [['appointment.cancelled', 'Appointments.Cancelled'], ['visit.completed', 'Visits.Completed']]) {
      assert.equal((await stack.operator.post('/v1/push/types', { tenant: TENANT, type, topic })).status, 201);
    }
    assertProblem(await stack.operator.post('/v1/push/types', { tenant: TENANT, type: BOOKED, topic: 'Appointments.Booked' }), 409);
    assertProblem(await stack.operator.post('/v1/push/types', { tenant: TENANT, type: 'x.y', topic: 'Appointments.*' }), 400, 'topic');
    assertProblem(await stack.operator.post('/v1/push/types', { tenant: TENANT, type: 'bad type', topic: 'A.b' }), 400, 'type');
    assertProblem(await stack.operator.get(`/v1/push/types/nothing.here?tenant=${TENANT}`), 404);
    assertProblem(await stack.operator.put(`/v1/push/types/nothing.here/enabled?tenant=${TENANT}`, { enabled: true }), 404);
    assertProblem(await stack.operator.put(`/v1/push/types/${BOOKED}/enabled?tenant=${TENANT}`, { enabled: 'yes' }), 400, 'enabled');
    assertProblem(await stack.operator.put(`/v1/push/types/${BOOKED}/enabled?tenant=${TENANT}`, { enabled: true, unit: 'nowhere' }), 404);
    const list = await stack.operator.get(`/v1/push/types?tenant=${TENANT}&unit=oslo`);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      list.body.data.map((t: { type: string; enabled: boolean; source: { kind: string } }) => [t.type, t.enabled, t.source.kind]).sort(),
      [[BOOKED, false, 'default'], ['appointment.cancelled', false, 'default'], ['visit.completed', false, 'default']],
    );
    const patched = await stack.operator.patch(`/v1/push/types/visit.completed?tenant=${TENANT}`, { description: 'A visit was completed' });
    assert.equal(patched.body.description, 'A visit was completed');
  });

  it('global on/off: off by default (filtered, saying why), sent when on, filtered again when off', async () => {
    const off = await booked('oslo', 'filtered');
    assert.match(off.d.statusReason, /appointment\.booked is disabled for unit oslo by the default \(off\)/);
    assert.equal(off.d.kind, 'push');
    assert.equal(off.d.request, null, 'a filtered notification has no body');

    assert.deepEqual(await setFlag(true), { type: BOOKED, unit: null, enabled: true, source: { kind: 'global' } });
    const on = await booked('oslo', 'succeeded');
    assert.equal(requestsFor(server, on.id).length, 1);
    assert.equal(on.d.attempts, 1);
    const outside = await booked(undefined, 'succeeded');
    assert.equal(requestsFor(server, outside.id).length, 1);

    await setFlag(false);
    const offAgain = await booked('south', 'filtered');
    assert.match(offAgain.d.statusReason, /disabled for unit south by the global flag/);
    assert.equal(requestsFor(server, off.id).length + requestsFor(server, offAgain.id).length, 0, 'nothing was sent while off');
  });

  it('a unit overrides the global flag both ways, and units below inherit from the nearest ancestor', async () => {
    // Global on, north off: north and everything below it is off, south stays on.
    await setFlag(true);
    await setFlag(false, 'north');
    assert.deepEqual(await effective('sentrum'), { type: BOOKED, unit: 'sentrum', enabled: false, source: { kind: 'unit', unit: 'north', inherited: true } });
    assert.deepEqual(await effective('north'), { type: BOOKED, unit: 'north', enabled: false, source: { kind: 'unit', unit: 'north', inherited: false } });
    assert.deepEqual(await effective('south'), { type: BOOKED, unit: 'south', enabled: true, source: { kind: 'global' } });
    assert.match((await booked('north', 'filtered')).d.statusReason, /by the flag of unit north/);
    assert.match((await booked('oslo', 'filtered')).d.statusReason, /by the flag of the parent unit north/);
    await booked('south', 'succeeded');

    // oslo on under north off: oslo and sentrum (inheriting from oslo) are on again.
    await setFlag(true, 'oslo');
    assert.deepEqual((await effective('sentrum')).source, { kind: 'unit', unit: 'oslo', inherited: true });
    await booked('sentrum', 'succeeded');
    await booked('oslo', 'succeeded');
    await booked('north', 'filtered');

    // The other way round: global off, north on; sentrum inherits from north, south follows global.
    await clearFlag('oslo');
    await setFlag(false);
    await setFlag(true, 'north');
    assert.deepEqual((await effective('sentrum')).source, { kind: 'unit', unit: 'north', inherited: true });
    await booked('sentrum', 'succeeded');
    assert.match((await booked('south', 'filtered')).d.statusReason, /global flag/);
    assert.match((await booked(undefined, 'filtered')).d.statusReason, /an object outside any unit by the global flag/);

    // Removing a unit's own flag: it inherits again.
    assert.deepEqual(await clearFlag('north'), { type: BOOKED, unit: 'north', enabled: false, source: { kind: 'global' } });
    await booked('sentrum', 'filtered');

    const detail = await stack.operator.get(`/v1/push/types/${BOOKED}?tenant=${TENANT}`);
    assert.deepEqual(detail.body.flags, { global: false, units: [] });
    const flagChanges = await eventually('the flag changes in the audit log', async () => {
      const res = await stack.operator.get(`/v1/audit/changes?tenant=${TENANT}&entity=push-flag&entityId=${BOOKED}@north`);
      return res.body.data?.length >= 3 ? res.body.data : undefined;
    });
    assert.deepEqual(flagChanges.map((c: { action: string }) => c.action).slice(0, 3), ['deleted', 'updated', 'created']);
    await setFlag(true);
  });

  it('sends exactly User-Agent: DataNotifier, Authorization: <notification_jwt>, Content-Type: application/json (no Authorization without a JWT)', async () => {
    const { id, eventId, d } = await booked('south', 'succeeded', { appointmentId: 'A-7' });
    const [got] = requestsFor(server, id);
    assert.equal(got.method, 'POST');
    assert.equal(got.url, '/notify');
    assert.equal(got.headers['user-agent'], 'DataNotifier');
    assert.equal(got.headers.authorization, JWT, 'the JWT verbatim, no "Bearer"');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.deepEqual(parse(got), {
      type: BOOKED,
      id,
      eventId,
      tenant: TENANT,
      occurredAt: parse(got).occurredAt,
      object: { type: 'appointment', id: String(n), unit: 'south' },
      data: { appointmentId: 'A-7' },
    });
    assert.equal(d.request.body, got.body, 'the log keeps the exact body');
    assert.equal(d.request.headers.Authorization, '[redacted]');
    assert.equal(d.request.headers['User-Agent'], 'DataNotifier');

    const cleared = await put(`/v1/push/settings?tenant=${TENANT}`, { notification_jwt: '' });
    assert.equal(cleared.body.notification_jwt_set, false);
    const bare = await booked('south', 'succeeded');
    const [plain] = requestsFor(server, bare.id);
    assert.equal(plain.headers.authorization, undefined);
    assert.equal(plain.headers['user-agent'], 'DataNotifier');
    assert.equal((await put(`/v1/push/settings?tenant=${TENANT}`, { notification_jwt: JWT })).status, 200);
    const again = await booked('south', 'succeeded');
    assert.equal(requestsFor(server, again.id)[0].headers.authorization, JWT);
  });

  it('succeeds only on 2xx with Success true, Code 0 and a Message; every other answer is a failure with its reason, and retried', async () => {
    const cases: [scenario: string, first: Reply, errorClass: string, reason: RegExp][] = [
      ['success-false', json({ Success: false, Code: 17, Message: 'unknown visit' }), 'contract', /Success=false Code=17 Message="unknown visit"/],
      ['code-nonzero', json({ Success: true, Code: '3', Message: 'partial' }), 'contract', /Code=3 Message="partial"/],
      ['success-string', json({ Success: 'true', Code: 0, Message: 'OK' }), 'contract', /Success="true"/],
      ['missing-message', json({ Success: true, Code: 0 }), 'contract', /Message must be a string/],
      ['missing-code', json({ Success: true, Message: 'OK' }), 'contract', /Code=undefined/],
      ['not-json', { status: 200, headers: { 'content-type': 'text/plain' }, body: 'OK' }, 'contract', /not JSON: "OK"/],
      ['empty-2xx', { status: 204 }, 'contract', /not JSON/],
      ['http-500', json({ Success: true, Code: 0, Message: 'OK' }, 500), 'http-status', /HTTP 500/],
      ['timeout', 'hang', 'timeout', /./],
    ];
    for (const [scenario, first] of cases) firstAnswer[scenario] = first;
    const sent = await Promise.all(
      cases.map(async ([scenario]) => {
        const eventId = await publish(TENANT, 'Appointments.Booked', 'south', { scenario });
        return pushDeliveryIdFor(eventId, BOOKED);
      }),
    );
    // And the documented answer, with Code as a string or a number, succeeds at once.
    firstAnswer['code-number'] = json({ Success: true, Code: 0, Message: '' });
    const direct = await booked('south', 'succeeded', { scenario: 'code-number' });
    assert.equal(direct.d.attempts, 1);

    for (const [i, [scenario, , errorClass, reason]] of cases.entries()) {
      const d = await delivery(TENANT, sent[i], 'succeeded', 30_000);
      assert.equal(d.attempts, 2, `${scenario}: failed once, then delivered`);
      const [a1, a2] = d.attemptLog;
      assert.equal(a1.ok, false, scenario);
      assert.equal(a1.errorClass, errorClass, `${scenario}: ${a1.error}`);
      assert.match(a1.error, reason, scenario);
      assert.equal(a2.ok, true, scenario);
      const got = requestsFor(server, sent[i]);
      assert.equal(got.length, 2, `${scenario}: retried once`);
      assert.equal(got[0].body, got[1].body, `${scenario}: the same notification on the retry`);
      const gap = Date.parse(a2.at) - Date.parse(a1.at);
      assert.ok(gap >= 995, `${scenario}: retried ${gap} ms after the first attempt, before the schedule's 1 s`);
    }
    const refused = (await stack.operator.get(`/v1/deliveries/${sent[0]}?tenant=${TENANT}`)).body.attemptLog[0];
    assert.equal(refused.statusCode, 200);
    assert.equal(refused.responseBody, '{"Success":false,"Code":17,"Message":"unknown visit"}', 'the answer is kept in the log');
  });

  it('appears in the same delivery log as webhooks, filterable by kind', async () => {
    assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name: 'Appointments.Booked' })).status, 201);
    const account = await createAccount(stack.operator, { tenant: TENANT, name: 'crm', grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] });
    const hooks = await startReceiver();
    try {
      const rec = await stack.operator.post('/v1/receivers', { tenant: TENANT, name: 'crm', url: hooks.url, topics: ['Appointments.Booked'], accountId: account.id, auth: { protocol: 'none' } });
      assert.equal(rec.status, 201, rec.text);
      const { eventId, id } = await booked('south', 'succeeded');
      await eventually('the webhook', async () => hooks.requests.length > 0);
      const all = await eventually('both deliveries in the log', async () => {
        const res = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&limit=500`);
        if (res.status !== 200) throw new Error(res.text);
        const mine = res.body.data.filter((x: { eventId: string }) => x.eventId === eventId);
        return mine.length === 2 && mine.every((x: { status: string }) => x.status === 'succeeded') ? mine : undefined;
      });
      assert.deepEqual(all.map((x: { kind: string }) => x.kind).sort(), ['push', 'webhook']);
      const push = all.find((x: { kind: string }) => x.kind === 'push');
      assert.deepEqual(push.target, { id: BOOKED, name: BOOKED });
      const pushOnly = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&kind=push&limit=500`);
      assert.ok(pushOnly.body.data.length > 5);
      assert.ok(pushOnly.body.data.every((x: { kind: string }) => x.kind === 'push'));
      assert.ok(pushOnly.body.data.some((x: { id: string }) => x.id === id));
      const hooksOnly = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&kind=webhook&limit=500`);
      assert.ok(hooksOnly.body.data.every((x: { kind: string }) => x.kind === 'webhook'));
      assert.ok(!hooksOnly.body.data.some((x: { id: string }) => x.id === id));
      const byType = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&kind=push&target=${BOOKED}&status=filtered&limit=500`);
      assert.ok(byType.body.data.length >= 5, 'filtered notifications are in the log too');
    } finally {
      await hooks.close();
    }
  });

  it('permissions: push:read reads, push:write on a unit sets only that unit\'s flag, the rest needs the whole tenant', async () => {
    const reader = await createAccount(stack.operator, { tenant: TENANT, name: 'push-reader', grants: [{ actions: ['push:read'], units: '*' }] });
    const northAdmin = await createAccount(stack.operator, { tenant: TENANT, name: 'north-admin', grants: [{ actions: ['push:write'], units: ['north'] }] });
    const r = (await login(stack.anonymous, reader)).client;
    const w = (await login(stack.anonymous, northAdmin)).client;
    const settings = await r.get('/v1/push/settings');
    assert.equal(settings.status, 200, settings.text);
    assert.ok(!settings.text.includes(JWT));
    assert.equal((await r.get(`/v1/push/types/${BOOKED}/enabled?unit=oslo`)).status, 200);
    assertProblem(await r.put('/v1/push/settings', { notification_days_before: 1 }), 403);
    assertProblem(await r.put(`/v1/push/types/${BOOKED}/enabled`, { enabled: false }), 403);

    const own = await w.put(`/v1/push/types/${BOOKED}/enabled`, { enabled: false, unit: 'oslo' });
    assert.equal(own.status, 200, own.text);
    assert.deepEqual(own.body.source, { kind: 'unit', unit: 'oslo', inherited: false });
    assertProblem(await w.put(`/v1/push/types/${BOOKED}/enabled`, { enabled: false, unit: 'south' }), 403);
    assertProblem(await w.put(`/v1/push/types/${BOOKED}/enabled`, { enabled: false }), 403);
    assertProblem(await w.put('/v1/push/settings', { notification_days_before: 1 }), 403);
    assertProblem(await w.post('/v1/push/types', { type: 'x.y', topic: 'X.y' }), 403);
    assertProblem(await w.put('/v1/push/settings', { tenant: 'push-expiry', notification_days_before: 1 }), 404);
    const changes = await eventually('the unit admin\'s change, with its actor', async () => {
      const res = await stack.operator.get(`/v1/audit/changes?tenant=${TENANT}&entity=push-flag&entityId=${BOOKED}@oslo&actor=account:${northAdmin.id}`);
      return res.body.data?.[0];
    });
    assert.equal(changes.after.enabled, false);
    assert.equal((await w.delete(`/v1/push/types/${BOOKED}/enabled?unit=oslo`)).status, 200);
  });

  describe('expiry (a day lasts a second here)', () => {
    const path = `/v1/push/settings?tenant=${EXPIRY}`;
    const expiring = async (mode: string) => {
      const eventId = await publish(EXPIRY, 'Appointments.Booked', undefined, { mode });
      return pushDeliveryIdFor(eventId, BOOKED);
    };
    const purgeRecords = async () => (await stack.operator.get(`/v1/audit/changes?tenant=${EXPIRY}&entity=push-notification&limit=500`)).body.data as {
      action: string;
      entityId: string;
      at: string;
      by: string;
      detail: { count: number; deliveryIds: string[]; notification_days_before: number };
    }[];

    before(async () => {
      assert.equal((await put(path, { notification_server_url: expiryServer.url, notification_days_before: 4 })).status, 200);
      assert.equal((await stack.operator.post('/v1/push/types', { tenant: EXPIRY, type: BOOKED, topic: 'Appointments.Booked' })).status, 201);
      assert.equal((await stack.operator.put(`/v1/push/types/${BOOKED}/enabled?tenant=${EXPIRY}`, { enabled: true })).status, 200);
    });

    it('retries until notification_days_before has passed, then deletes what was never delivered and records how many and which', async () => {
      const ids = [await expiring('never'), await expiring('never')];
      const purged = await Promise.all(ids.map((id) => delivery(EXPIRY, id, 'purged', 20_000)));
      for (const d of purged) {
        assert.match(d.statusReason, /undelivered 4 days after it was created \(notification_days_before=4\); deleted/);
        assert.ok(d.attempts >= 2, `retried before it expired (${d.attempts} attempts)`);
        for (const a of d.attemptLog) assert.match(a.error, /Success=false Code=503 Message="backend down"/);
        assertProblem(await stack.operator.post(`/v1/deliveries/${d.id}/resend?tenant=${EXPIRY}`), 409);
      }
      const records = await eventually('the purge in the audit log', async () => {
        const all = await purgeRecords();
        const covering = all.filter((c) => c.detail.deliveryIds.some((x) => ids.includes(x)));
        return new Set(covering.flatMap((c) => c.detail.deliveryIds)).size >= 2 ? covering : undefined;
      });
      for (const c of records) {
        assert.equal(c.action, 'purged');
        assert.equal(c.entityId, BOOKED);
        assert.match(c.by, /^system/);
        assert.equal(c.detail.count, c.detail.deliveryIds.length);
        assert.equal(c.detail.notification_days_before, 4);
      }
      for (const [i, id] of ids.entries()) {
        const created = Date.parse(purged[i].createdAt);
        const record = records.find((c) => c.detail.deliveryIds.includes(id));
        assert.ok(record && Date.parse(record.at) - created >= 3900, `deleted ${record && Date.parse(record.at) - created} ms after creation, not after 4 s`);
      }
      const counts = ids.map((id) => requestsFor(expiryServer, id).length);
      await sleep(2500);
      assert.deepEqual(ids.map((id) => requestsFor(expiryServer, id).length), counts, 'nothing is sent after the deletion');
      const listed = await stack.operator.get(`/v1/deliveries?tenant=${EXPIRY}&kind=push&status=purged&limit=500`);
      assert.equal(listed.status, 200, listed.text);
      for (const id of ids) assert.ok(listed.body.data.some((x: { id: string }) => x.id === id));
    });

    it('lowering notification_days_before deletes notifications already waiting', async () => {
      assert.equal((await put(path, { notification_days_before: 600 })).status, 200);
      const id = await expiring('never');
      const waiting = await eventually('two failed attempts', async () => {
        const res = await stack.operator.get(`/v1/deliveries/${id}?tenant=${EXPIRY}`);
        return res.body?.attempts >= 2 && res.body.status === 'scheduled' ? res.body : undefined;
      });
      assert.ok(Date.now() - Date.parse(waiting.createdAt) > 1000);
      const loweredAt = Date.now();
      assert.equal((await put(path, { notification_days_before: 1 })).status, 200);
      const d = await delivery(EXPIRY, id, 'purged', 5000);
      assert.ok(Date.now() - loweredAt < 4000, 'deleted soon after the change, not at its next attempt');
      assert.match(d.statusReason, /notification_days_before=1/);
      await eventually('its purge record', async () => (await purgeRecords()).some((c) => c.detail.deliveryIds.includes(id)));
    });

    it('raising it keeps waiting notifications past the old expiry, still retried, until delivered', async () => {
      assert.equal((await put(path, { notification_days_before: 3 })).status, 200);
      const id = await expiring('later');
      const first = await delivery(EXPIRY, id, 'scheduled', 5000);
      assert.equal((await put(path, { notification_days_before: 600 })).status, 200);
      await sleep(Math.max(0, Date.parse(first.createdAt) + 4500 - Date.now()));
      const still = (await stack.operator.get(`/v1/deliveries/${id}?tenant=${EXPIRY}`)).body;
      assert.equal(still.status, 'scheduled', 'not deleted at the old expiry');
      acceptLater = true;
      const done = await delivery(EXPIRY, id, 'succeeded', 15_000);
      assert.ok(done.attempts >= 3);
      assert.ok(!(await purgeRecords()).some((c) => c.detail.deliveryIds.includes(id)));
    });
  });

  it('the JWT is nowhere but the signer: not in the database in plain text, not in any log line', async () => {
    const dump = await dumpDatabase(stack.databaseUrl);
    assert.ok(dump.includes('push:jwt'), 'the signer holds the credential');
    assert.ok(!dump.includes(JWT), 'never in plain text');
    const lines = stack.allLogLines();
    assert.ok(lines.length > 0);
    assert.ok(!lines.some((l) => l.includes(JWT)), 'never logged');
  });
});
