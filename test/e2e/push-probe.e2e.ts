// Push notifications probed as an attacker and a demanding user would: hostile input to
// the settings, types and flags (a 4xx problem naming the field, never a 500, nothing
// stored), a tenant reaching for another's, a flag left behind by a deleted unit (it still
// decides for events naming that unit, so it must stay readable and removable).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pushDeliveryIdFor } from '@hookline/contracts';
import { assertProblem, createAccount, eventually, login, startReceiver, startTestStack, type ApiClient, type Reply, type TestReceiver, type TestStack } from '@hookline/testing';

const TENANT = 'pprobe';
const OTHER = 'pprobe-other';
const TYPE = 'visit.planned';
const TOPIC = 'Visits.Planned';
const OK: Reply = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"Success":true,"Code":0,"Message":"OK"}' };

describe('push notifications, probed', () => {
  let stack: TestStack;
  let server: TestReceiver;
  let n = 0;

  async function publish(unit: string | undefined): Promise<string> {
    const res = await stack.operator.post('/v1/events', { tenant: TENANT, topic: TOPIC, object: { type: 'visit', id: String(++n), ...(unit ? { unit } : {}) }, data: {} });
    assert.equal(res.status, 202, res.text);
    return pushDeliveryIdFor(res.body.id as string, TYPE);
  }

  async function settled(id: string, status: string, timeoutMs = 30_000) {
    return eventually(`push notification ${id} ${status}`, async () => {
      const res = await stack.operator.get(`/v1/deliveries/${id}?tenant=${TENANT}`);
      return res.status === 200 && res.body.status === status ? res.body : undefined;
    }, timeoutMs);
  }

  before(async () => {
    stack = await startTestStack({
      env: { HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128', HOOKLINE_EGRESS_DEADLINE: '2s' },
    });
    server = await startReceiver(() => OK);
    const op = stack.operator;
    for (const [id, name] of [[TENANT, 'Probe'], [OTHER, 'Other']]) assert.equal((await op.post('/v1/tenants', { id, name })).status, 201);
    for (const [id, parentId] of [['north'], ['oslo', 'north'], ['gone']] as [string, string?][]) {
      assert.equal((await op.post('/v1/units', { tenant: TENANT, id, name: id, ...(parentId ? { parentId } : {}) })).status, 201);
    }
    for (const tenant of [TENANT, OTHER]) {
      const t = await op.post('/v1/push/types', { tenant, type: TYPE, topic: TOPIC });
      assert.equal(t.status, 201, t.text);
    }
    const s = await op.put(`/v1/push/settings?tenant=${TENANT}`, { notification_server_url: `${server.url}/push` });
    assert.equal(s.status, 200, s.text);
  });
  after(async () => {
    await server?.close();
    await stack?.stop();
  });

  it('hostile input is a 4xx problem naming the field, and nothing is stored', async () => {
    const op = stack.operator;
    const q = `?tenant=${TENANT}`;
    const cases: [method: 'put' | 'post' | 'patch' | 'get' | 'delete', path: string, body: unknown, status: number, field: string][] = [
      ['put', `/v1/push/settings${q}`, {}, 400, 'body'],
      ['put', `/v1/push/settings${q}`, { notification_days_before: 3651 }, 400, 'notification_days_before'],
      ['put', `/v1/push/settings${q}`, { notification_days_before: '7' }, 400, 'notification_days_before'],
      ['put', `/v1/push/settings${q}`, { notification_days_before: 1.5 }, 400, 'notification_days_before'],
      ['put', `/v1/push/settings${q}`, { notification_server_url: 'javascript:alert(1)//' }, 400, 'notification_server_url'],
      ['put', `/v1/push/settings${q}`, { notification_server_url: 'http://169.254.169.254/latest/meta-data' }, 400, 'notification_server_url'],
      // Credentials in the URL would be shown to every reader of the settings, the change log and the delivery log.
      ['put', `/v1/push/settings${q}`, { notification_server_url: `${server.url.replace('//', '//push:pa55word@')}/push` }, 400, 'notification_server_url'],
      ['put', `/v1/push/settings${q}`, { notification_jwt: 'abc\r\nX-Injected: 1' }, 400, 'notification_jwt'],
      ['put', `/v1/push/settings${q}`, { notification_jwt: null }, 400, 'notification_jwt'],
      ['put', `/v1/push/settings${q}`, { notification_jwt: 'a'.repeat(8193) }, 400, 'notification_jwt'],
      ['put', `/v1/push/settings${q}&unit=north`, { notification_jwt: 'eyJ.unit.jwt' }, 400, 'notification_jwt'],
      ['put', `/v1/push/settings${q}`, { unit: 'north', notification_days_before: 1 }, 400, 'notification_days_before'],
      ['put', `/v1/push/settings${q}`, { tenant: OTHER, notification_days_before: 1 }, 400, 'tenant'],
      ['get', `/v1/push/settings${q}&unit=north`, undefined, 400, 'unit'],
      ['post', '/v1/push/types', { tenant: TENANT, type: 'a..b', topic: 'A.B' }, 400, 'type'],
      ['post', '/v1/push/types', { tenant: TENANT, type: 'a.b', topic: 'Orders.*' }, 400, 'topic'],
      ['post', '/v1/push/types', { tenant: TENANT, type: 'a.b', topic: 'A.B', example: [1] }, 400, 'example'],
      ['post', '/v1/push/types', { tenant: TENANT, type: 'a.b', topic: 'A.B', description: '' }, 400, 'description'],
      ['post', '/v1/push/types', { tenant: TENANT, type: 'a.b', topic: 'A.B', example: { 'k\u0000': 1 } }, 400, 'example'],
      ['post', '/v1/push/types', { tenant: TENANT, type: TYPE, topic: TOPIC }, 409, TYPE],
      ['patch', `/v1/push/types/${TYPE}${q}`, { topic: null }, 400, 'topic'],
      ['patch', `/v1/push/types/${TYPE}${q}`, { example: 'text' }, 400, 'example'],
      ['put', `/v1/push/types/${TYPE}/enabled${q}`, {}, 400, 'enabled'],
      ['put', `/v1/push/types/${TYPE}/enabled${q}`, { enabled: 'yes' }, 400, 'enabled'],
      ['put', `/v1/push/types/${TYPE}/enabled${q}`, { enabled: true, unit: '*' }, 400, 'unit'],
      ['put', `/v1/push/types/${TYPE}/enabled${q}&unit=north`, { enabled: true, unit: 'oslo' }, 400, 'unit'],
      ['put', `/v1/push/types/${TYPE}/enabled${q}`, { enabled: true, unit: 'nowhere' }, 404, 'nowhere'],
      ['get', `/v1/push/types/${TYPE}/enabled${q}&unit=%00`, undefined, 400, 'unit'],
      ['get', `/v1/push/types/${TYPE}/enabled${q}&unit=nowhere`, undefined, 404, 'nowhere'],
      ['delete', `/v1/push/types/${TYPE}/enabled${q}&unit=nowhere`, undefined, 404, 'nowhere'],
      // Refused before routing (the gateway will not decode a NUL in a path): a problem all the same.
      ['get', `/v1/push/types/no%00pe${q}`, undefined, 400, ''],
      ['get', `/v1/push/types/nope${q}`, undefined, 404, 'nope'],
      ['get', `/v1/push/types${q}&cursor=not-a-cursor`, undefined, 400, 'cursor'],
      ['get', `/v1/push/types${q}&limit=0`, undefined, 400, 'limit'],
    ];
    for (const [method, path, body, status, field] of cases) {
      const res = method === 'get' || method === 'delete' ? await op[method](path) : await op[method](path, body);
      assertProblem(res, status, field || undefined);
      assert.ok(!res.text.includes('pa55word'), `a refusal does not echo a password: ${res.text}`);
    }
    const settings = await op.get(`/v1/push/settings${q}`);
    assert.equal(settings.status, 200, settings.text);
    assert.equal(settings.body.notification_jwt_set, false, 'a refused JWT was not stored');
    assert.equal(settings.body.notification_days_before, 7);
    assert.equal(settings.body.notification_server_url, `${server.url}/push`);
  });

  it('a tenant cannot read or change another tenant\'s settings, types or flags', async () => {
    const admin = await createAccount(stack.operator, { tenant: TENANT, name: 'push-admin', grants: [{ actions: ['push:write'], units: '*' }] });
    const c: ApiClient = (await login(stack.anonymous, admin)).client;
    assert.equal((await stack.operator.put(`/v1/push/types/${TYPE}/enabled?tenant=${OTHER}`, { enabled: true })).status, 200);
    for (const res of [
      await c.get(`/v1/push/settings?tenant=${OTHER}`),
      await c.put(`/v1/push/settings?tenant=${OTHER}`, { notification_days_before: 1 }),
      await c.get(`/v1/push/types/${TYPE}?tenant=${OTHER}`),
      await c.patch(`/v1/push/types/${TYPE}?tenant=${OTHER}`, { description: 'mine now' }),
      await c.put(`/v1/push/types/${TYPE}/enabled?tenant=${OTHER}`, { enabled: false }),
      await c.delete(`/v1/push/types/${TYPE}/enabled?tenant=${OTHER}`),
      await c.delete(`/v1/push/types/${TYPE}?tenant=${OTHER}`),
    ]) {
      assertProblem(res, 404, OTHER);
    }
    const theirs = await stack.operator.get(`/v1/push/types/${TYPE}?tenant=${OTHER}`);
    assert.equal(theirs.body.flags.global, true, 'the other tenant\'s flag is untouched');
    assert.equal(theirs.body.description, null);
    // Its own type of the same name is its own: no flag of the other tenant shows through.
    const own = await c.get(`/v1/push/types/${TYPE}`);
    assert.equal(own.status, 200, own.text);
    assert.equal(own.body.flags.global, null);
  });

  it('a flag left by a deleted unit still decides for events naming it, so it can be read and removed', async () => {
    const op = stack.operator;
    const q = `?tenant=${TENANT}`;
    assert.equal((await op.put(`/v1/push/types/${TYPE}/enabled${q}`, { enabled: true, unit: 'gone' })).status, 200);
    assert.equal((await op.delete(`/v1/units/gone${q}`)).status, 204);
    // The type still lists the flag, and the dispatcher takes the unit it no longer knows as a unit of its own.
    const detail = await op.get(`/v1/push/types/${TYPE}${q}`);
    assert.deepEqual(detail.body.flags.units, [{ unit: 'gone', enabled: true }]);
    await settled(await publish('gone'), 'succeeded');

    const effective = await op.get(`/v1/push/types/${TYPE}/enabled${q}&unit=gone`);
    assert.equal(effective.status, 200, `the flag that decides is readable: ${effective.text}`);
    assert.deepEqual(effective.body, { type: TYPE, unit: 'gone', enabled: true, source: { kind: 'unit', unit: 'gone', inherited: false } });
    // Only a caller whose grants cover that unit (here: the whole tenant) may remove it.
    const northAdmin = await createAccount(op, { tenant: TENANT, name: 'north-push', grants: [{ actions: ['push:write'], units: ['north'] }] });
    const north = (await login(stack.anonymous, northAdmin)).client;
    assertProblem(await north.delete(`/v1/push/types/${TYPE}/enabled?unit=gone`), 403, 'gone');
    const cleared = await op.delete(`/v1/push/types/${TYPE}/enabled${q}&unit=gone`);
    assert.equal(cleared.status, 200, `the flag can be removed: ${cleared.text}`);
    assert.deepEqual(cleared.body, { type: TYPE, unit: 'gone', enabled: false, source: { kind: 'default' } });
    assert.deepEqual((await op.get(`/v1/push/types/${TYPE}${q}`)).body.flags.units, []);
    const filtered = await settled(await publish('gone'), 'filtered');
    assert.match(filtered.statusReason, /disabled for unit gone by the default/);
    // Gone for good: the unit is unknown again (404), not kept readable.
    assertProblem(await op.get(`/v1/push/types/${TYPE}/enabled${q}&unit=gone`), 404, 'gone');
    // Setting a flag for a unit that does not exist stays refused.
    assertProblem(await op.put(`/v1/push/types/${TYPE}/enabled${q}`, { enabled: true, unit: 'gone' }), 404, 'gone');
  });
});
