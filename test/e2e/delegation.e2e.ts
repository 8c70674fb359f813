// Delegation end to end (issue 16): wherever one principal names another whose
// permissions then act for it, the caller must hold what it hands over. For every write
// that names another principal a narrower caller is refused (403 problem+json; the token
// endpoint answers RFC 6749's 400 unauthorized_client) and nothing is stored — no row in
// any table the request could write, nothing in the list, no change in the audit log —
// while a caller wide enough succeeds. And a receiver set up by a narrower registrant gets
// nothing more when its receiving account is granted more afterwards (real receiver on
// loopback, events in both units).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { ApiClient, ApiResponse, assertProblem, createAccount, eventually, login, requestWrittenTables, startReceiver, startTestStack, TestAccount, TestReceiver, TestStack } from '@hookline/testing';

const TENANT = 'deleg';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const receive = (units: '*' | string[], topics: '*' | string[] = '*') => ({ actions: ['webhooks:receive'], units, topics });

describe('delegation: nobody hands another principal more than it holds', () => {
  let stack: TestStack;
  let db: Client;
  let hook: TestReceiver;
  /** webhooks:receive on the whole tenant: the account the issue's attacker borrowed. */
  let wide: TestAccount;
  /** webhooks:receive on south only. */
  let southOnly: TestAccount;
  /** The narrower caller: receivers:write everywhere, but everything else only on south. */
  let narrow: TestAccount;
  let narrowApi: ApiClient;
  let narrowToken: string;
  /** A caller wide enough: the tenant-wide grant for every action it delegates. */
  let admin: TestAccount;
  let adminApi: ApiClient;
  let adminToken: string;
  let seq = 0;

  // Tables a request may write (all but those written in the background: BACKGROUND_TABLES;
  // the outbox is compared by its size).
  let tables: string[] = [];
  async function fingerprint(): Promise<string> {
    const r = await db.query(
      `SELECT ${tables.map((t) => `(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM "${t}" x) AS "${t}"`).join(', ')},
              (SELECT count(*) FROM registry_outbox) AS outbox`,
    );
    return JSON.stringify(r.rows[0]);
  }

  /** Waits until every registry change (outbox row) is in the audit log. */
  async function auditCaughtUp(): Promise<void> {
    await eventually('the audit log caught up with the registry', async () => {
      const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM registry_outbox o WHERE NOT EXISTS (SELECT 1 FROM audit_changes c WHERE c.id = o.id)');
      return r.rows[0].n === 0;
    });
  }

  /** Every change the audit log holds by this actor ("account:<id>", also acting as users, or "user:<id>"), logins aside. */
  async function changesBy(actor: string): Promise<string[]> {
    const r = await stack.operator.get(`/v1/audit/changes?tenant=${TENANT}&actor=${encodeURIComponent(actor)}&limit=500`);
    assert.equal(r.status, 200, r.text);
    return r.body.data.filter((c: { action: string }) => c.action !== 'login').map((c: { id: string }) => c.id);
  }

  /**
   * One row of the matrix: the narrower caller's attempt is refused and leaves no trace;
   * the same write by a caller wide enough succeeds, and once its change and every other
   * registry change are in the audit log, the log holds none by the refused caller.
   */
  async function row(o: {
    what: string;
    refused: () => Promise<ApiResponse>;
    unchanged: () => Promise<void>;
    allowed: () => Promise<ApiResponse>;
    /** The allowed write's change, to wait for in the audit log. */
    change: { entity: string; action: string; entityId: (res: ApiResponse) => string };
    /** How the refusal must look (default: a 403 problem). */
    expectRefusal?: (res: ApiResponse) => void;
    /** Who is refused, as the audit log's actor filter names it (default: the narrow account). */
    refusedActor?: string;
    /** The refusal's reason: it must be refused for the right one. */
    detail?: RegExp;
  }): Promise<ApiResponse> {
    const actor = o.refusedActor ?? `account:${narrow.id}`;
    await auditCaughtUp();
    const before = await changesBy(actor);
    const state = await fingerprint();
    const res = await o.refused();
    if (o.expectRefusal) o.expectRefusal(res);
    else assertProblem(res, 403);
    if (o.detail) assert.match(String(res.body?.detail), o.detail, o.what);
    assert.equal(await fingerprint(), state, `${o.what}: the refused request changed stored state`);
    await o.unchanged();
    const ok = await o.allowed();
    assert.ok(ok.status >= 200 && ok.status < 300, `${o.what}, by a caller wide enough: ${ok.status} ${ok.text}`);
    const entityId = o.change.entityId(ok);
    await eventually(`${o.what}: the allowed change in the audit log`, async () => {
      const r = await stack.operator.get(`/v1/audit/changes?tenant=${TENANT}&entity=${o.change.entity}&entityId=${encodeURIComponent(entityId)}&limit=500`);
      return r.body.data?.some((c: { action: string }) => c.action === o.change.action);
    });
    await auditCaughtUp();
    assert.deepEqual(await changesBy(actor), before, `${o.what}: the audit log shows a change by the refused caller`);
    return ok;
  }

  async function receiversNamed(name: string): Promise<unknown[]> {
    const r = await stack.operator.get(`/v1/receivers?tenant=${TENANT}&limit=500`);
    return r.body.data.filter((x: { name: string }) => x.name === name);
  }

  async function receiverRecord(id: string) {
    const r = await stack.operator.get(`/v1/receivers/${id}?tenant=${TENANT}`);
    assert.equal(r.status, 200, r.text);
    return r.body;
  }

  const exchange = (subjectToken: string, user: string) =>
    stack.anonymous.post(
      '/oauth/token',
      new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: subjectToken, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', requested_subject: user }).toString(),
      FORM,
    );

  before(async () => {
    stack = await startTestStack({ env: { HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128' } });
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    tables = await requestWrittenTables(db);
    hook = await startReceiver();
    const op = stack.operator;
    assert.equal((await op.post('/v1/tenants', { id: TENANT, name: 'Delegation' })).status, 201);
    // north ── oslo      south
    for (const [id, parentId] of [['north'], ['oslo', 'north'], ['south']] as [string, string?][]) {
      assert.equal((await op.post('/v1/units', { tenant: TENANT, id, name: id, ...(parentId ? { parentId } : {}) })).status, 201);
    }
    for (const name of ['Deputy.Probe', 'Orders.Paid']) assert.equal((await op.post('/v1/topics', { tenant: TENANT, name })).status, 201);
    for (const [id, units] of [['grace', '*'], ['sam', ['south']]] as [string, '*' | string[]][]) {
      assert.equal((await op.post('/v1/users', { tenant: TENANT, id, displayName: id, units })).status, 201);
    }
    wide = await createAccount(op, { tenant: TENANT, name: 'wide', grants: [receive('*')] });
    southOnly = await createAccount(op, { tenant: TENANT, name: 'south-only', grants: [receive(['south'])] });
    narrow = await createAccount(op, {
      tenant: TENANT,
      name: 'narrow',
      grants: [
        { actions: ['receivers:write'], units: '*', topics: '*' },
        { actions: ['webhooks:receive', 'accounts:write', 'users:write', 'users:impersonate'], units: ['south'], topics: '*' },
      ],
    });
    admin = await createAccount(op, {
      tenant: TENANT,
      name: 'admin',
      grants: [{ actions: ['receivers:write', 'webhooks:receive', 'accounts:write', 'users:write', 'users:impersonate'], units: '*', topics: '*' }],
    });
    const n = await login(stack.anonymous, narrow);
    narrowApi = n.client;
    narrowToken = n.body.accessToken;
    const a = await login(stack.anonymous, admin);
    adminApi = a.client;
    adminToken = a.body.accessToken;
  });
  after(async () => {
    await db?.end();
    await hook?.close();
    await stack?.stop();
  });

  const receiverBody = (over: Record<string, unknown> = {}) => ({ name: `r-${++seq}`, url: `${hook.url}/r${seq}`, topics: ['Deputy.Probe'], accountId: wide.id, auth: { protocol: 'none' }, ...over });

  it('POST /v1/receivers naming a receiving account wider than the caller (the issue’s confused deputy)', async () => {
    const body = receiverBody();
    const ok = await row({
      what: 'POST /v1/receivers',
      refused: async () => {
        const res = await narrowApi.post('/v1/receivers', body);
        assert.match(res.body?.detail ?? '', /cannot name account wide .* as the receiving account: for these topics it may receive webhooks:receive on the whole tenant for topic Deputy.Probe/);
        return res;
      },
      unchanged: async () => assert.deepEqual(await receiversNamed(body.name), []),
      allowed: () => adminApi.post('/v1/receivers', body),
      change: { entity: 'receiver', action: 'created', entityId: (res) => res.body.receiver.id },
    });
    assert.deepEqual(ok.body.receiver.receiveBound, [{ units: '*', topics: ['Deputy.Probe'] }]);
    // Only the receiver's topics count, and an account as narrow as the caller is fine.
    const own = await narrowApi.post('/v1/receivers', receiverBody({ accountId: southOnly.id }));
    assert.equal(own.status, 201, own.text);
    assert.deepEqual(own.body.receiver.receiveBound, [{ units: ['south'], topics: ['Deputy.Probe'] }]);
    // The operator is bound by nothing.
    const byOperator = await stack.operator.post('/v1/receivers', { tenant: TENANT, ...receiverBody() });
    assert.equal(byOperator.status, 201, byOperator.text);
    assert.equal(byOperator.body.receiver.receiveBound, null);
  });

  it('POST /v1/receivers as a user through an account: the account’s own webhooks:receive, no more', async () => {
    // An account may act as Grace (who sees everything) and configure receivers everywhere, but receives on south only.
    const concierge = await createAccount(stack.operator, {
      tenant: TENANT,
      name: 'concierge',
      grants: [
        { actions: ['receivers:write', 'users:impersonate'], units: '*', topics: '*' },
        receive(['south']),
      ],
    });
    const asGrace = await exchange((await login(stack.anonymous, concierge)).body.accessToken, 'grace');
    assert.equal(asGrace.status, 200, asGrace.text);
    const graceApi = stack.anonymous.withToken(asGrace.body.access_token);
    const body = receiverBody();
    await row({
      what: 'POST /v1/receivers (user grace through account concierge)',
      refusedActor: 'user:grace',
      refused: () => graceApi.post('/v1/receivers', body),
      detail: /cannot name account wide .* as the receiving account/,
      unchanged: async () => assert.deepEqual(await receiversNamed(body.name), []),
      allowed: () => adminApi.post('/v1/receivers', body),
      change: { entity: 'receiver', action: 'created', entityId: (res) => res.body.receiver.id },
    });
    const ok = await graceApi.post('/v1/receivers', receiverBody({ accountId: southOnly.id }));
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(ok.body.receiver.receiveBound, [{ units: ['south'], topics: ['Deputy.Probe'] }]);
  });

  it('PATCH /v1/receivers/{id}: a new receiving account, new topics or a new URL set the receiver up anew', async () => {
    // The narrow caller's own receiver, for its own account: it may not swap in a wider one.
    const mine = await narrowApi.post('/v1/receivers', receiverBody({ accountId: southOnly.id }));
    assert.equal(mine.status, 201, mine.text);
    const id = mine.body.receiver.id;
    await row({
      what: 'PATCH receiver accountId',
      refused: () => narrowApi.patch(`/v1/receivers/${id}`, { accountId: wide.id }),
      detail: /cannot name account wide .* as the receiving account/,
      unchanged: async () => assert.equal((await receiverRecord(id)).accountId, southOnly.id),
      allowed: () => adminApi.patch(`/v1/receivers/${id}`, { accountId: wide.id }),
      change: { entity: 'receiver', action: 'updated', entityId: () => id },
    });
    const patched = await receiverRecord(id);
    assert.deepEqual([patched.accountId, patched.receiveBound], [wide.id, [{ units: '*', topics: ['Deputy.Probe'] }]], 'the new bound is the one who changed it');

    // A receiver the admin set up for the wide account: the narrow caller may neither widen
    // its topics nor point it elsewhere (that would take the wide account's events)...
    const theirs = await adminApi.post('/v1/receivers', receiverBody());
    const tid = theirs.body.receiver.id;
    await row({
      what: 'PATCH receiver topics',
      refused: () => narrowApi.patch(`/v1/receivers/${tid}`, { topics: ['Deputy.Probe', 'Orders.Paid'] }),
      detail: /cannot name account wide .* on the whole tenant for topic (Deputy.Probe|Orders.Paid)/,
      unchanged: async () => assert.deepEqual((await receiverRecord(tid)).topics, ['Deputy.Probe']),
      allowed: () => adminApi.patch(`/v1/receivers/${tid}`, { topics: ['Deputy.Probe', 'Orders.Paid'] }),
      change: { entity: 'receiver', action: 'updated', entityId: () => tid },
    });
    const url = `${hook.url}/elsewhere`;
    await row({
      what: 'PATCH receiver url',
      refused: () => narrowApi.patch(`/v1/receivers/${tid}`, { url }),
      detail: /cannot name account wide .* as the receiving account/,
      unchanged: async () => assert.notEqual((await receiverRecord(tid)).url, url),
      allowed: () => adminApi.patch(`/v1/receivers/${tid}`, { url }),
      change: { entity: 'receiver', action: 'updated', entityId: () => tid },
    });
    // ...while what changes neither who receives nor where it goes is plain receivers:write.
    const renamed = await narrowApi.patch(`/v1/receivers/${tid}`, { name: `renamed-${seq}`, enabled: true, url });
    assert.equal(renamed.status, 200, renamed.text);
    assert.deepEqual(renamed.body.receiver.receiveBound, [{ units: '*', topics: ['Deputy.Probe', 'Orders.Paid'] }], 'the bound stays the one who set it up');
  });

  it('POST /v1/accounts and PATCH /v1/accounts/{id}: grants only as far as the caller holds them', async () => {
    const name = `minted-${++seq}`;
    const wider = [receive('*')];
    await row({
      what: 'POST /v1/accounts',
      refused: () => narrowApi.post('/v1/accounts', { name, grants: wider }),
      detail: /you cannot grant webhooks:receive on the whole tenant/,
      unchanged: async () => assert.deepEqual((await stack.operator.get(`/v1/accounts?tenant=${TENANT}&q=${name}`)).body.data, []),
      allowed: () => adminApi.post('/v1/accounts', { name, grants: wider }),
      change: { entity: 'account', action: 'created', entityId: (res) => res.body.account.id },
    });
    const target = await createAccount(narrowApi, { name: `target-${++seq}`, grants: [receive(['south'])] });
    await row({
      what: 'PATCH /v1/accounts/{id} grants',
      refused: () => narrowApi.patch(`/v1/accounts/${target.id}`, { grants: wider }),
      detail: /you cannot grant webhooks:receive on the whole tenant/,
      unchanged: async () => assert.deepEqual((await stack.operator.get(`/v1/accounts/${target.id}?tenant=${TENANT}`)).body.grants, [receive(['south'])]),
      allowed: () => adminApi.patch(`/v1/accounts/${target.id}`, { grants: wider }),
      change: { entity: 'account', action: 'updated', entityId: () => target.id },
    });
    // New credentials for an account are the power to act as it: only for one the caller covers.
    await row({
      what: 'POST /v1/accounts/{id}/credentials',
      refused: () => narrowApi.post(`/v1/accounts/${target.id}/credentials`),
      detail: /holds webhooks:receive beyond your own grants/,
      unchanged: async () => {
        const a = await stack.operator.get(`/v1/accounts/${target.id}?tenant=${TENANT}`);
        assert.equal(a.body.credentialsIssuedAt, a.body.createdAt);
      },
      allowed: () => adminApi.post(`/v1/accounts/${target.id}/credentials`),
      change: { entity: 'account', action: 'credentials-reset', entityId: () => target.id },
    });
  });

  it('POST /v1/users and PATCH /v1/users/{id}: a user (whom accounts may act as) sees no more than the caller covers', async () => {
    const id = `user-${++seq}`;
    await row({
      what: 'POST /v1/users',
      refused: () => narrowApi.post('/v1/users', { id, displayName: 'Wide user', units: '*' }),
      detail: /users:write permission does not cover every unit/,
      unchanged: async () => assert.equal((await stack.operator.get(`/v1/users/${id}?tenant=${TENANT}`)).status, 404),
      allowed: () => adminApi.post('/v1/users', { id, displayName: 'Wide user', units: '*' }),
      change: { entity: 'user', action: 'created', entityId: () => id },
    });
    const mine = `user-${++seq}`;
    assert.equal((await narrowApi.post('/v1/users', { id: mine, displayName: 'South user', units: ['south'] })).status, 201);
    await row({
      what: 'PATCH /v1/users/{id} units',
      refused: () => narrowApi.patch(`/v1/users/${mine}`, { units: ['south', 'north'] }),
      detail: /users:write permission does not cover every unit/,
      unchanged: async () => assert.deepEqual((await stack.operator.get(`/v1/users/${mine}?tenant=${TENANT}`)).body.units, ['south']),
      allowed: () => adminApi.patch(`/v1/users/${mine}`, { units: ['south', 'north'] }),
      change: { entity: 'user', action: 'updated', entityId: () => mine },
    });
  });

  it('POST /oauth/token (token exchange): an account acts only as a user it covers, and then holds no more than itself', async () => {
    const ok = await row({
      what: 'token exchange for a user who sees everything',
      refused: () => exchange(narrowToken, 'grace'),
      expectRefusal: (res) => {
        assertProblem(res, 400);
        assert.equal(res.body.error, 'unauthorized_client');
        assert.match(res.body.error_description, /users:impersonate does not cover every unit user grace may see/);
      },
      unchanged: async () => undefined,
      allowed: () => exchange(adminToken, 'grace'),
      change: { entity: 'user', action: 'impersonated', entityId: () => 'grace' },
    });
    const me = await stack.anonymous.withToken(ok.body.access_token).get('/v1/auth/me');
    assert.equal(me.body.kind, 'user');
    assert.deepEqual(me.body.grants, [{ actions: ['accounts:write', 'receivers:write', 'users:write', 'webhooks:receive'], units: '*', topics: '*' }], 'the account’s grants without users:impersonate');
    // The narrow account as a south user: its own grants on south, nothing more.
    const asSam = await exchange(narrowToken, 'sam');
    assert.equal(asSam.status, 200, asSam.text);
    const sam = await stack.anonymous.withToken(asSam.body.access_token).get('/v1/auth/me');
    assert.deepEqual(sam.body.grants, [
      { actions: ['receivers:write'], units: ['south'], topics: '*' },
      { actions: ['accounts:write', 'users:write', 'webhooks:receive'], units: ['south'], topics: '*' },
    ]);
  });

  it('granting the receiving account more later widens nothing a narrower registrant set up (events in both units, real receiver)', async () => {
    const account = await createAccount(stack.operator, { tenant: TENANT, name: `receiving-${++seq}`, grants: [receive(['south'])] });
    // The narrow caller may name it: the account receives no more than the caller does (south).
    const byNarrow = await narrowApi.post('/v1/receivers', { name: 'by-narrow', url: `${hook.url}/by-narrow`, topics: ['Deputy.Probe'], accountId: account.id, auth: { protocol: 'none' } });
    assert.equal(byNarrow.status, 201, byNarrow.text);
    const byOperator = await stack.operator.post('/v1/receivers', { tenant: TENANT, name: 'by-operator', url: `${hook.url}/by-operator`, topics: ['Deputy.Probe'], accountId: account.id, auth: { protocol: 'none' } });
    assert.equal(byOperator.status, 201, byOperator.text);
    const narrowId = byNarrow.body.receiver.id as string;
    const operatorId = byOperator.body.receiver.id as string;

    const publish = async (unit: string) => {
      const res = await stack.operator.post('/v1/events', { tenant: TENANT, topic: 'Deputy.Probe', object: { type: 'probe', id: `p-${++seq}`, unit }, data: { unit } });
      assert.equal(res.status, 202, res.text);
      return res.body.id as string;
    };
    const decision = (receiverId: string, eventId: string) =>
      eventually(`the decision on ${eventId} for ${receiverId}`, async () => {
        const list = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&receiver=${receiverId}&limit=500`);
        const d = list.body.data.find((x: { eventId: string; status: string }) => x.eventId === eventId && x.status !== 'pending');
        return d as { status: string; statusReason?: string } | undefined;
      }, 30_000);

    // Before: the account receives south only, so both receivers get the south event.
    const south0 = await publish('south');
    assert.equal((await decision(narrowId, south0)).status, 'succeeded');
    assert.equal((await decision(operatorId, south0)).status, 'succeeded');

    // The operator grants the receiving account the whole tenant.
    const widened = await stack.operator.patch(`/v1/accounts/${account.id}?tenant=${TENANT}`, { grants: [receive('*')] });
    assert.equal(widened.status, 200, widened.text);
    // Once the dispatcher follows the change, the operator's receiver gets north too...
    await eventually('the widened grant at the dispatcher', async () => (await decision(operatorId, await publish('north'))).status === 'succeeded', 30_000);
    // ...and from then on: events in both units (and below north).
    const events = { north: await publish('north'), oslo: await publish('oslo'), south: await publish('south') };
    for (const e of Object.values(events)) assert.equal((await decision(operatorId, e)).status, 'succeeded');
    assert.equal((await decision(narrowId, events.south)).status, 'succeeded');
    for (const unit of ['north', 'oslo'] as const) {
      const d = await decision(narrowId, events[unit]);
      assert.equal(d.status, 'filtered', unit);
      assert.match(d.statusReason ?? '', new RegExp(`topic Deputy.Probe in unit ${unit} is beyond the receiver's receiveBound`));
    }
    // The receiver itself got exactly the south events, nothing from north.
    const bodies = hook.requests.filter((r) => r.url === '/by-narrow').map((r) => JSON.parse(r.body) as { id: string; object: { unit: string } });
    assert.deepEqual(bodies.map((b) => b.object.unit).sort(), ['south', 'south']);
    assert.deepEqual(new Set(bodies.map((b) => b.id)), new Set([south0, events.south]));
    assert.ok(hook.requests.filter((r) => r.url === '/by-operator').some((r) => JSON.parse(r.body).id === events.north));
  });
});
