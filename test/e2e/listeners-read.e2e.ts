// Inbound listeners, the read API (/v1/listener-records, /v1/listener-logs): a user's
// access token stops reading once the user is deleted or the account loses listeners:read
// (as the registry decides), malformed query input is a 400 naming the parameter (never
// a 500 from PostgreSQL), and records keyed by a timestamp keep their own child rows when
// keys share a second or carry microseconds.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, assertProblem, createAccount, createListener, eventually, listenerTenant, login, recordsWhen, startTestStack, TestListener, TestStack } from '@hookline/testing';

const TENANT = 'inbound-read';

describe('inbound listeners: the read API', () => {
  let stack: TestStack;
  let serviceId: string;
  let listener: TestListener;

  async function send(l: TestListener, body: unknown) {
    const res = await fetch(`${stack.url}${l.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  }

  /** A client acting as `userId` through a new account with these actions on the whole tenant (RFC 8693 token exchange). */
  async function actingAs(name: string, userId: string, actions: string[]) {
    const created = await stack.operator.post('/v1/users', { tenant: TENANT, id: userId, displayName: userId, units: '*' });
    assert.equal(created.status, 201, created.text);
    const account = await createAccount(stack.operator, { tenant: TENANT, name, grants: [{ actions: ['users:impersonate', ...actions], units: '*' }] });
    const { client: accountApi, body } = await login(stack.anonymous, account);
    const form = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: body.accessToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_subject: userId,
    });
    const exchanged = await stack.anonymous.post('/oauth/token', form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(exchanged.status, 200, exchanged.text);
    return { account, accountApi, user: stack.anonymous.withToken(exchanged.body.access_token) };
  }

  const reads = (c: ApiClient) => [c.get(`/v1/listener-records/${listener.id}`), c.get('/v1/listener-logs')];

  async function statuses(c: ApiClient): Promise<number[]> {
    return (await Promise.all(reads(c))).map((r) => r.status);
  }

  before(async () => {
    stack = await startTestStack({ env: { HOOKLINE_LISTENER_LOG_FLUSH: '50ms' } });
    ({ serviceId } = await listenerTenant(stack.operator, TENANT));
    listener = await createListener(stack.operator, TENANT, serviceId, { name: 'read-orders', sample: { id: 1, items: [{ n: 1 }] } });
    assert.equal((await send(listener, { id: 1, items: [{ n: 1 }] })).status, 202);
    await recordsWhen(stack.operator, listener, (r) => r.length === 1, 'the record applied');
  });
  after(async () => {
    await stack?.stop();
  });

  it("a deleted user's access token stops reading records and logs (401, as the registry)", async () => {
    const { user } = await actingAs('reader-a', 'reader-a', ['listeners:read']);
    assert.deepEqual(await statuses(user), [200, 200]);
    assert.equal((await stack.operator.delete(`/v1/users/reader-a?tenant=${TENANT}`)).status, 204);
    assertProblem(await user.get('/v1/auth/me'), 401);
    const last = await eventually('the deleted user refused', async () => {
      const s = await statuses(user);
      return s.every((x) => x === 401) ? s : undefined;
    }, 10_000).catch(async () => statuses(user));
    assert.deepEqual(last, [401, 401]);
    for (const r of await Promise.all(reads(user))) assertProblem(r, 401);
  });

  it('a user acting through an account that lost listeners:read is refused (403, like the account)', async () => {
    const { account, accountApi, user } = await actingAs('reader-b', 'reader-b', ['listeners:read']);
    assert.deepEqual(await statuses(user), [200, 200]);
    const patched = await stack.operator.patch(`/v1/accounts/${account.id}?tenant=${TENANT}`, { grants: [{ actions: ['users:impersonate'], units: '*' }] });
    assert.equal(patched.status, 200, patched.text);
    await eventually('the account itself refused', async () => (await statuses(accountApi)).every((x) => x === 403), 10_000);
    const last = await eventually('the user refused', async () => {
      const s = await statuses(user);
      return s.every((x) => x === 403) ? s : undefined;
    }, 10_000).catch(async () => statuses(user));
    assert.deepEqual(last, [403, 403]);
    for (const r of await Promise.all(reads(user))) assertProblem(r, 403);
  });

  it('malformed query input is a 400 naming the parameter, not a 500 from PostgreSQL', async () => {
    const cursor = (at: string, id: string) => Buffer.from(JSON.stringify([at, id])).toString('base64url');
    // The id half of a log cursor is "<listener uuid>:<seq>": 36 dashes are not a uuid.
    for (const id of [`${'-'.repeat(36)}:1`, `${'0'.repeat(36)}:1`, '0123456789abcdef0123456789abcdef0123:1']) {
      assertProblem(await stack.operator.get(`/v1/listener-logs?tenant=${TENANT}&cursor=${cursor('2026-01-01T00:00:00.000Z', id)}`), 400, 'cursor');
    }
    // Passed by isISO8601, refused by PostgreSQL (22007, 22009); and a date-time without a zone.
    for (const bad of ['2026-01', '2026-01-31T12:00:00+18:00', '2026-01-31T12:00:00+16:00', '2026-02-30', '2026-01-31T12:00:00']) {
      for (const k of ['modifiedFrom', 'modifiedTo']) {
        assertProblem(await stack.operator.get(`/v1/listener-records/${listener.id}?tenant=${TENANT}&${k}=${encodeURIComponent(bad)}`), 400, k);
      }
    }
    // What PostgreSQL takes still reads.
    for (const good of ['2026-01-31', '2026-01-31T12:00:00+15:59', '2026-01-31T12:00:00.123456Z']) {
      const r = await stack.operator.get(`/v1/listener-records/${listener.id}?tenant=${TENANT}&modifiedTo=${encodeURIComponent(good)}`);
      assert.equal(r.status, 200, r.text);
    }
  });

  it('records keyed by a timestamp keep their own child rows: keys in one second, keys with microseconds', async () => {
    const l = await createListener(stack.operator, TENANT, serviceId, { name: 'stamped', sample: { at: '2026-01-01T00:00:00Z', items: [{ n: 1 }] }, primaryKey: ['at'] });
    const sent = [
      { at: '2026-01-01T00:00:00.100Z', items: [{ n: 1 }] },
      { at: '2026-01-01T00:00:00.200Z', items: [{ n: 2 }] },
      { at: '2026-01-01T00:00:00.300001Z', items: [{ n: 3 }, { n: 33 }] },
      { at: '2026-01-01T00:00:00.300002Z', items: [{ n: 4 }] },
    ];
    const r = await send(l, sent);
    assert.equal(r.status, 202, r.text);
    const expected = sent.map((x) => [x.at, x.items.map((i) => i.n)]).reverse();
    const got = await recordsWhen(stack.operator, l, (rs) => rs.length === 4, 'four records');
    assert.deepEqual(got.map((x) => [x.row.at, x.children.stamped_items.map((c: { n: number }) => c.n)]), expected, 'each record with its own child rows, newest key first');
    // Page by page (all four share their request's last_modified): the cursor keeps the microseconds.
    const paged: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; text: string; body: any } = await stack.operator.get(`/v1/listener-records/${l.id}?tenant=${TENANT}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(page.status, 200, page.text);
      paged.push(...page.body.data.map((x: any) => [x.row.at, x.children.stamped_items.map((c: { n: number }) => c.n)]));
      cursor = page.body.nextCursor;
    } while (cursor && paged.length < 10);
    assert.deepEqual(paged, expected);
    // A key filter with microseconds finds its record.
    const one = await stack.operator.get(`/v1/listener-records/${l.id}?tenant=${TENANT}&key.at=${encodeURIComponent('2026-01-01T00:00:00.300001Z')}`);
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.body.data.map((x: any) => [x.row.at, x.children.stamped_items.map((c: { n: number }) => c.n)]), [['2026-01-01T00:00:00.300001Z', [3, 33]]]);
  });
});
