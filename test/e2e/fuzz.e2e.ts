// Bad input, property-based (fast-check): every admin endpoint (push notifications
// included) and POST /v1/events gets valid requests mutated field by field (wrong types,
// huge and odd strings, unicode, NUL, lone surrogates, nested junk, unknown fields, JSON
// nested thousands of levels deep, objects with thousands of keys, strings up to and past
// the body limit),
// wholly random bodies, broken JSON, wrong content types, random query strings, forged
// cursors and random ids. Every answer must be a 2xx or a 4xx application/problem+json,
// never a 5xx; a refused request must leave no trace (every table a request may write,
// the outbox and every JetStream stream are fingerprinted before and after it; a refused
// login is counted for throttling by design, so login_throttle is left out); and every
// accepted event must make it into the event log.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import fc from 'fast-check';
import { Client } from 'pg';
import { ACTIONS } from '@hookline/auth';
import { STREAMS } from '@hookline/contracts';
import { ApiClient, ApiResponse, createAccount, eventually, login, requestWrittenTables, startReceiver, startTestStack, TestReceiver, TestStack } from '@hookline/testing';

const TENANT = 'fuzz';
/** Runs per property (HOOKLINE_FUZZ_RUNS to explore more); about 50 properties, each request a few ms plus two fingerprints. */
const RUNS = Number(process.env.HOOKLINE_FUZZ_RUNS ?? 100);

// ---------------------------------------------------------------- generators

const oddStrings = [
  '', ' ', '\u0000', 'a\u0000b', '\uD800', '\uDFFF\uD800', '💥🔥', 'ﷺ', '\u202Eevil', 'Ω≈ç√∫', 'ñ', '\t\n\r', '\\', '"', "'",
  "' OR 1=1 --", '"; DROP TABLE tenants; --', '../../etc/passwd', '%00', '%', '%zz', '__proto__', 'constructor', 'prototype', 'toString',
  'null', 'undefined', 'NaN', '-1', '0', '1e309', '9007199254740993', '*', '>', '.', 'a.', '.a', 'Accounts.*', 'Accounts.>', '*.*',
  'x'.repeat(10_000), 'a'.repeat(257), 'http://127.0.0.1/', 'javascript:alert(1)', '{{7*7}}', '${jndi:ldap://x}', '<script>alert(1)</script>',
  '2026-13-45T25:61:61Z', '2021-02-30', '2020-W01-1', '2020-123', '0000-00-00', '+275760-09-13T00:00:00.000Z', '1', '2020',
  '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '01900000-0000-7000-8000-0000000000aa',
];

const weirdString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom(...oddStrings),
);

const junk: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    weirdString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(0, -1, 2 ** 31, 2 ** 53 + 2, Number.POSITIVE_INFINITY, -0),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(weirdString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Cursors built like the real ones (base64url of [time, id]) with odd times and ids. */
const forgedCursor = fc
  .tuple(
    fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('1', '2020', '-1', '0', 'Tue, 01 Jan 2030', '2021-02-30', '275760-09-13T00:00:00.000Z', '2020-01-01T00:00:00Z'), weirdString),
    fc.oneof(fc.uuid(), weirdString),
  )
  .map((pair) => Buffer.from(JSON.stringify(pair)).toString('base64url'));

const queryValue = fc.oneof(weirdString, forgedCursor, junk.map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')));

/**
 * Values too deep or too big to build as objects (JSON.stringify overflows on them, and
 * thousands kept for shrinking would fill memory): a marker string in the body, replaced
 * by the JSON text it describes when the body goes on the wire (toWire).
 */
const deepOrWide = fc.oneof(
  fc.tuple(fc.constantFrom('object', 'array', 'mixed'), fc.oneof(fc.integer({ min: 1, max: 80 }), fc.constantFrom(62, 63, 64, 65, 1_000, 5_000, 10_000, 30_000))).map(([kind, n]) => `@@deep:${kind}:${n}@@`),
  fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(9_999, 10_000, 10_001, 15_000)).map((n) => `@@wide:${n}@@`),
);
/** Strings around the 256 KB body limit, in one-, two- and four-byte characters (and ones JSON escapes). */
const longString = fc.tuple(fc.constantFrom(1_000, 60_000, 200_000, 262_000, 300_000), fc.constantFrom('x', 'é', '💥', '"', '\\')).map(([bytes, c]) => c.repeat(Math.ceil(bytes / Buffer.byteLength(c))));
const bigValue = fc.oneof(deepOrWide, longString);

function expand(kind: string, n: number): string {
  if (kind === 'object') return `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  if (kind === 'array') return `${'['.repeat(n)}1${']'.repeat(n)}`;
  const pairs = Math.ceil(n / 2);
  return `${'{"a":['.repeat(pairs)}1${']}'.repeat(pairs)}`;
}

/** The body as JSON text, with every deepOrWide marker replaced by what it stands for. */
function toWire(body: unknown): string {
  return (JSON.stringify(body) ?? 'null')
    .replace(/"@@deep:(object|array|mixed):(\d+)@@"/g, (_m, kind: string, n: string) => expand(kind, Number(n)))
    .replace(/"@@wide:(\d+)@@"/g, (_m, n: string) => `{${Array.from({ length: Number(n) }, (_, i) => `"k${i}":${i}`).join(',')}}`);
}

type Path = (string | number)[];

function pathsOf(v: unknown, prefix: Path = []): Path[] {
  if (v === null || typeof v !== 'object') return [];
  const out: Path[] = [];
  for (const [k, child] of Object.entries(v)) {
    const p = [...prefix, Array.isArray(v) ? Number(k) : k];
    out.push(p, ...pathsOf(child, p));
  }
  return out;
}

function setAt(obj: unknown, path: Path, value: unknown, remove = false): unknown {
  const root = structuredClone(obj) as Record<string | number, unknown>;
  let cur = root;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = value;
  return root;
}

/** A valid body, then broken: one or more fields replaced or removed, an unknown field added, or the whole body replaced. */
function mutations(valid: () => Record<string, unknown>): fc.Arbitrary<unknown> {
  const template = valid();
  const paths = pathsOf(template);
  const path = fc.constantFrom(...paths);
  return fc.oneof(
    fc.tuple(path, junk).map(([p, v]) => setAt(valid(), p, v)),
    // Every property in turn gets deep nesting, a wide object or a long string.
    fc.tuple(path, bigValue).map(([p, v]) => setAt(valid(), p, v)),
    bigValue,
    fc.array(fc.tuple(path, junk), { minLength: 2, maxLength: 4 }).map((changes) => changes.reduce<unknown>((o, [p, v]) => (pathExists(o, p) ? setAt(o, p, v) : o), valid())),
    path.map((p) => setAt(valid(), p, undefined, true)),
    fc.tuple(weirdString, junk).map(([k, v]) => ({ ...valid(), [k]: v })),
    fc.constant(null).map(() => ({ ...valid(), ...JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') })),
    junk,
  );
}

function pathExists(o: unknown, p: Path): boolean {
  let cur = o;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object' || !(k in (cur as object))) return false;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return true;
}

/** What goes on the wire: usually JSON, sometimes broken JSON, huge, or of another content type. */
function wireBodies(bodies: fc.Arbitrary<unknown>): fc.Arbitrary<{ text: string; type: string }> {
  return fc.oneof(
    { weight: 8, arbitrary: bodies.map((b) => ({ text: toWire(b), type: 'application/json' })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('{', '[1,', '{"a":}', 'nul', '"just a string"', '12', 'true', '[]', '{"a":"\\u0000"}', '{"a":"\\ud800"}', '\u0000', '{"a":1,"a":2}', '\uFEFF{}').map((text) => ({ text, type: 'application/json' })),
    },
    { weight: 1, arbitrary: bodies.map((b) => ({ text: toWire(b), type: 'text/plain' })) },
    { weight: 1, arbitrary: fc.constantFrom('application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/merge-patch+json', 'multipart/form-data; boundary=x', 'application/xml').chain((type) => bodies.map((b) => ({ text: toWire(b), type }))) },
    { weight: 1, arbitrary: fc.constant({ text: JSON.stringify({ tenant: TENANT, name: 'x'.repeat(300_000) }), type: 'application/json' }) },
  );
}

/** Random query strings: known parameters with odd values, unknown ones, repeats. */
function queries(known: string[], fixed: Record<string, string> = {}): fc.Arbitrary<string> {
  const param = fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: weirdString }), queryValue);
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(param, { maxLength: 5 }).map((ps) => new URLSearchParams([...Object.entries(fixed), ...ps.map(([k, v]) => [k, v] as [string, string])]).toString()) },
    { weight: 1, arbitrary: fc.constantFrom('limit=1&limit=2', '%zz=1', 'tenant[]=x', 'tenant[a]=b', 'limit=', '&&&', '=x', 'cursor=%', 'limit=1e3', 'limit=0x10', 'limit=-0', 'limit=1.5').map((q) => `${new URLSearchParams(fixed).toString()}&${q}`) },
  );
}

/** Ids for a path: odd strings, random uuids, and the real ids (which must work). */
const ids = (known: string[]) => fc.oneof({ weight: 3, arbitrary: weirdString }, { weight: 1, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.constantFrom(...known) });
/** Percent-encodes every byte of the UTF-8 form (lone surrogates become U+FFFD, as a client would send them). */
const enc = (id: string) => [...Buffer.from(id, 'utf8')].map((b) => (/[A-Za-z0-9_~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('');

// ---------------------------------------------------------------- the suite

describe('bad input fuzzing', () => {
  let stack: TestStack;
  let db: Client;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let asAccount: ApiClient;
  let hook: TestReceiver;
  let seq = 0;
  const real = { units: ['north'], users: ['ada'], accounts: [] as string[], topics: ['Orders.Paid'], receivers: [] as string[], events: [] as string[] };
  const outcomes = new Map<string, Map<number, number>>();

  /**
   * Tables a request may write, found in the schema (so new features are covered): all
   * but those written in the background (BACKGROUND_TABLES: the audit-log's projections,
   * the retry agenda, login throttling, where a refused login counts by design, the
   * leadership lease) and the outbox (checked by its size: the relay marks rows published
   * in the background).
   */
  let tables: string[] = [];

  /** What a refused request must not change: those tables, the outbox and the streams. */
  async function fingerprint(): Promise<string> {
    const parts = await db.query(
      `SELECT ${tables.map((t) => `(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM "${t}" x) AS "${t}"`).join(', ')},
              (SELECT count(*) || '/' || coalesce(max(seq), 0) FROM registry_outbox) AS outbox`,
    );
    const streams: string[] = [];
    for (const s of [STREAMS.events.name, STREAMS.registry.name, STREAMS.dispatch.name, STREAMS.deliveries.name]) {
      const info = await jsm.streams.info(s);
      streams.push(`${s}=${info.state.last_seq}`);
    }
    return JSON.stringify({ ...parts.rows[0], streams });
  }

  interface Req {
    method: string;
    path: string;
    body?: { text: string; type: string };
    headers?: Record<string, string>;
    client?: ApiClient;
  }

  let last: string | undefined;
  /** Sends one request and checks the answer and, when refused, that nothing changed. */
  async function check(endpoint: string, req: Req): Promise<ApiResponse> {
    const beforeState = last ?? (await fingerprint());
    const client = req.client ?? stack.operator;
    const headers = { ...(req.body ? { 'content-type': req.body.type } : {}), ...req.headers };
    const res = await client.request(req.method, req.path, req.body?.text, headers);
    const tally = outcomes.get(endpoint) ?? new Map<number, number>();
    tally.set(res.status, (tally.get(res.status) ?? 0) + 1);
    outcomes.set(endpoint, tally);
    const shown = `${req.method} ${req.path.slice(0, 300)} ${req.body ? `(${req.body.type}) ${req.body.text.slice(0, 300)}` : ''}`;
    assert.ok(res.status < 500, `${endpoint}: ${res.status} for ${shown}\n-> ${res.text.slice(0, 500)}`);
    assert.ok(res.status >= 200 && res.status !== 301 && res.status !== 302, `${endpoint}: ${res.status} for ${shown}`);
    if (res.status >= 400) {
      // A request line over Node's 16 KB header limit is refused by the HTTP parser (here the
      // local gateway's), which answers a problem+json 431 too (contracts client-errors.ts).
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, `${endpoint}: ${res.status} without problem+json for ${shown}: ${res.text.slice(0, 300)}`);
      assert.equal(res.body?.status, res.status, `${endpoint}: problem status for ${shown}`);
      assert.equal(typeof res.body?.title, 'string');
      const afterState = await fingerprint();
      assert.equal(afterState, beforeState, `${endpoint}: a refused request (${res.status}) changed stored state: ${shown}`);
      last = afterState;
    } else {
      last = undefined;
    }
    return res;
  }

  async function property<T>(endpoint: string, arb: fc.Arbitrary<T>, toRequest: (v: T) => Req, runs = RUNS): Promise<void> {
    await fc.assert(
      fc.asyncProperty(arb, async (v) => {
        await check(endpoint, toRequest(v));
      }),
      { numRuns: runs, endOnFailure: false, interruptAfterTimeLimit: 90_000 },
    );
    const tally = outcomes.get(endpoint);
    assert.ok(tally && [...tally.keys()].some((s) => s >= 400 && s < 500), `${endpoint}: the fuzz never reached a refusal`);
  }

  before(async () => {
    stack = await startTestStack({ services: ['registry', 'audit-log', 'signer'], env: { HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128' } });
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    tables = await requestWrittenTables(db);
    assert.ok(['tenants', 'accounts', 'receivers', 'delivery_credentials'].every((t) => tables.includes(t)), tables.join(', '));
    nc = await connect({ servers: stack.nats.url });
    jsm = await jetstreamManager(nc);
    hook = await startReceiver();
    const op = stack.operator;
    assert.equal((await op.post('/v1/tenants', { id: TENANT, name: 'Fuzz' })).status, 201);
    assert.equal((await op.post('/v1/units', { tenant: TENANT, id: 'north', name: 'North' })).status, 201);
    assert.equal((await op.post('/v1/users', { tenant: TENANT, id: 'ada', displayName: 'Ada', units: '*' })).status, 201);
    assert.equal((await op.post('/v1/topics', { tenant: TENANT, name: 'Orders.Paid' })).status, 201);
    const admin = await createAccount(op, { tenant: TENANT, name: 'admin', grants: [{ actions: [...ACTIONS], units: '*' }] });
    asAccount = (await login(stack.anonymous, admin)).client;
    const target = await createAccount(op, { tenant: TENANT, name: 'target', grants: [{ actions: ['webhooks:receive'], units: '*' }] });
    real.accounts.push(admin.id, target.id);
    const r = await op.post('/v1/receivers', { tenant: TENANT, name: 'seed', url: hook.url, topics: ['Orders.*'], accountId: target.id, auth: { protocol: 'websub' } });
    assert.equal(r.status, 201, r.text);
    real.receivers.push(r.body.receiver.id);
    assert.equal((await op.post('/v1/push/types', { tenant: TENANT, type: 'order.paid', topic: 'Orders.Paid' })).status, 201);
    const e = await op.post('/v1/events', { tenant: TENANT, topic: 'Orders.Paid', object: { type: 'order', id: '1', unit: 'north' }, data: {} });
    assert.equal(e.status, 202, e.text);
    real.events.push(e.body.id);
  });
  after(async () => {
    const table = [...outcomes.entries()].map(([k, v]) => `${k}: ${[...v.entries()].sort().map(([s, c]) => `${s}×${c}`).join(' ')}`);
    if (table.length > 0) console.log(`fuzz outcomes:\n  ${table.join('\n  ')}`);
    await nc?.close();
    await db?.end();
    await hook?.close();
    await stack?.stop();
  });

  const principal = () => fc.constantFrom<'operator' | 'account'>('operator', 'operator', 'account');
  const clientOf = (p: 'operator' | 'account') => (p === 'operator' ? stack.operator : asAccount);

  it('POST /v1/events: mutated events, random bodies and idempotency keys; every accepted event is stored', async () => {
    const valid = () => ({ tenant: TENANT, topic: 'Orders.Paid', object: { type: 'order', id: `o-${++seq}`, unit: 'north' }, data: { total: 12.5, lines: [{ sku: 'a' }] } });
    const key = fc.option(fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 300 }), fc.constantFrom('', ' ', 'k'.repeat(256))), { nil: undefined });
    const accepted: { id: string; tenant: string }[] = [];
    await fc.assert(
      fc.asyncProperty(wireBodies(mutations(valid)), key, principal(), async (body, k, p) => {
        const res = await check('POST /v1/events', {
          method: 'POST',
          path: '/v1/events',
          body,
          client: clientOf(p),
          headers: (k === undefined ? {} : { 'idempotency-key': k.replace(/[^\x20-\x7e]/g, '') }) as Record<string, string>,
        });
        if (res.status === 202) accepted.push({ id: res.body.id, tenant: p === 'account' ? TENANT : JSON.parse(body.text).tenant });
      }),
      { numRuns: RUNS * 3, interruptAfterTimeLimit: 90_000 },
    );
    assert.ok(accepted.length > 0, 'some mutated events were still valid');
    // Accepted means stored: each one reaches the event log, and nothing was dead-lettered on the way.
    for (const e of accepted) {
      await eventually(`event ${e.id} in the log`, async () => (await stack.operator.get(`/v1/audit/events/${e.id}?tenant=${encodeURIComponent(e.tenant)}`)).status === 200, 20_000);
    }
    assert.equal((await jsm.streams.info(STREAMS.deadLetter.name)).state.messages, 0, 'an accepted event was dead-lettered');
  });

  it('tenants (operator only): create, list, read, update', async () => {
    const valid = () => ({ id: `fz-${++seq}`, name: 'A tenant', baseUrl: 'https://host.example.com' });
    await property('POST /v1/tenants', wireBodies(mutations(valid)), (body) => ({ method: 'POST', path: '/v1/tenants', body }));
    await property('GET /v1/tenants', queries(['limit', 'cursor']), (q) => ({ method: 'GET', path: `/v1/tenants?${q}` }));
    await property('GET /v1/tenants/:id', ids([TENANT]), (id) => ({ method: 'GET', path: `/v1/tenants/${enc(id)}` }));
    await property('PATCH /v1/tenants/:id', fc.tuple(ids([TENANT]), wireBodies(mutations(() => ({ name: 'Fuzz', baseUrl: null })))), ([id, body]) => ({ method: 'PATCH', path: `/v1/tenants/${enc(id)}`, body }));
    await property('tenants as an account', fc.constantFrom('GET /v1/tenants', `GET /v1/tenants/${TENANT}`, 'POST /v1/tenants'), (line) => {
      const [method, path] = line.split(' ');
      return { method, path, client: asAccount, ...(method === 'POST' ? { body: { text: JSON.stringify(valid()), type: 'application/json' } } : {}) };
    }, 10);
  });

  it('units: create, list, read, update, delete', async () => {
    const valid = () => ({ tenant: TENANT, id: `u-${++seq}`, name: 'A unit', parentId: 'north' });
    await property('POST /v1/units', fc.tuple(wireBodies(mutations(valid)), principal()), ([body, p]) => ({ method: 'POST', path: '/v1/units', body, client: clientOf(p) }));
    await property('GET /v1/units', fc.tuple(queries(['tenant', 'limit', 'cursor', 'parentId', 'under', 'q'], { tenant: TENANT }), principal()), ([q, p]) => ({ method: 'GET', path: `/v1/units?${q}`, client: clientOf(p) }));
    await property('GET /v1/units/:id', ids(real.units), (id) => ({ method: 'GET', path: `/v1/units/${enc(id)}?tenant=${TENANT}` }));
    await property('PATCH /v1/units/:id', fc.tuple(ids(real.units), wireBodies(mutations(() => ({ name: 'North', parentId: null })))), ([id, body]) => ({ method: 'PATCH', path: `/v1/units/${enc(id)}?tenant=${TENANT}`, body }));
    await property('DELETE /v1/units/:id', fc.tuple(weirdString, queries(['tenant'], { tenant: TENANT })), ([id, q]) => ({ method: 'DELETE', path: `/v1/units/${enc(id)}?${q}` }));
  });

  it('users: create, list, read, update, delete', async () => {
    const valid = () => ({ tenant: TENANT, id: `user-${++seq}`, displayName: 'Grace', units: ['north'] });
    await property('POST /v1/users', fc.tuple(wireBodies(mutations(valid)), principal()), ([body, p]) => ({ method: 'POST', path: '/v1/users', body, client: clientOf(p) }));
    await property('GET /v1/users', fc.tuple(queries(['tenant', 'limit', 'cursor', 'unit', 'q'], { tenant: TENANT }), principal()), ([q, p]) => ({ method: 'GET', path: `/v1/users?${q}`, client: clientOf(p) }));
    await property('GET /v1/users/:id', ids(real.users), (id) => ({ method: 'GET', path: `/v1/users/${enc(id)}?tenant=${TENANT}` }));
    await property('PATCH /v1/users/:id', fc.tuple(ids(real.users), wireBodies(mutations(() => ({ displayName: 'Ada', units: '*' })))), ([id, body]) => ({ method: 'PATCH', path: `/v1/users/${enc(id)}?tenant=${TENANT}`, body }));
    await property('DELETE /v1/users/:id', fc.tuple(weirdString, queries(['tenant'], { tenant: TENANT })), ([id, q]) => ({ method: 'DELETE', path: `/v1/users/${enc(id)}?${q}` }));
  });

  it('accounts: create, list, read, update, delete, credentials', async () => {
    const valid = () => ({ tenant: TENANT, name: `acct-${++seq}`, description: 'fuzzed', grants: [{ actions: ['units:read', 'events:publish'], units: ['north'], topics: ['Orders.*'] }] });
    await property('POST /v1/accounts', fc.tuple(wireBodies(mutations(valid)), principal()), ([body, p]) => ({ method: 'POST', path: '/v1/accounts', body, client: clientOf(p) }));
    await property('GET /v1/accounts', fc.tuple(queries(['tenant', 'limit', 'cursor', 'enabled', 'q', 'action'], { tenant: TENANT }), principal()), ([q, p]) => ({ method: 'GET', path: `/v1/accounts?${q}`, client: clientOf(p) }));
    await property('GET /v1/accounts/:id', ids(real.accounts), (id) => ({ method: 'GET', path: `/v1/accounts/${enc(id)}?tenant=${TENANT}` }));
    // Only the target account is changed; the admin account stays as it is.
    const update = () => ({ name: 'target', description: null, grants: [{ actions: ['webhooks:receive'], units: '*' }] });
    await property('PATCH /v1/accounts/:id', fc.tuple(ids(real.accounts.slice(1)), wireBodies(mutations(update))), ([id, body]) => ({ method: 'PATCH', path: `/v1/accounts/${enc(id)}?tenant=${TENANT}`, body }));
    await property('DELETE /v1/accounts/:id', fc.tuple(weirdString, queries(['tenant'], { tenant: TENANT })), ([id, q]) => ({ method: 'DELETE', path: `/v1/accounts/${enc(id)}?${q}` }));
    await property('POST /v1/accounts/:id/credentials', fc.tuple(weirdString, queries(['tenant'], { tenant: TENANT })), ([id, q]) => ({ method: 'POST', path: `/v1/accounts/${enc(id)}/credentials?${q}` }));
  });

  it('login, token exchange, who am I', async () => {
    // A real-looking account id that is nobody's, so throttling counts only against it.
    const valid = () => ({ account: '01900000-0000-7000-8000-00000000f022', token: 'hlk_0123456789abcdef.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', totp: '123456' });
    await property('POST /v1/auth/login', wireBodies(mutations(valid)), (body) => ({ method: 'POST', path: '/v1/auth/login', body, client: stack.anonymous }));
    const exchange = () => ({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: 'eyJhbGciOiJFUzI1NiJ9.e30.x',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_subject: 'ada',
    });
    await property('POST /oauth/token (JSON)', wireBodies(mutations(exchange)), (body) => ({ method: 'POST', path: '/oauth/token', body, client: stack.anonymous }));
    const form = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...Object.keys(exchange())), weirdString), weirdString), { maxLength: 6 }).map((pairs) => new URLSearchParams([...Object.entries(exchange()), ...pairs]).toString());
    await property('POST /oauth/token (form)', form, (text) => ({ method: 'POST', path: '/oauth/token', body: { text, type: 'application/x-www-form-urlencoded' }, client: stack.anonymous }));
    const bearer = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 200 }), fc.constantFrom('Bearer ', 'Bearer a.b.c', 'Basic Zm9vOmJhcg==', `Bearer ${'x'.repeat(8000)}`, 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'));
    await property('GET /v1/auth/me', bearer, (h) => ({ method: 'GET', path: '/v1/auth/me', client: stack.anonymous, headers: { authorization: h.replace(/[^\x20-\x7e]/g, '') } }));
  });

  it('topics: create, list, read, update, delete', async () => {
    const valid = () => ({ tenant: TENANT, name: `Fuzz.T${++seq}`, description: 'a topic', example: { a: 1 } });
    await property('POST /v1/topics', fc.tuple(wireBodies(mutations(valid)), principal()), ([body, p]) => ({ method: 'POST', path: '/v1/topics', body, client: clientOf(p) }));
    await property('GET /v1/topics', fc.tuple(queries(['tenant', 'limit', 'cursor'], { tenant: TENANT }), principal()), ([q, p]) => ({ method: 'GET', path: `/v1/topics?${q}`, client: clientOf(p) }));
    await property('GET /v1/topics/:name', ids(real.topics), (id) => ({ method: 'GET', path: `/v1/topics/${enc(id)}?tenant=${TENANT}` }));
    await property('PATCH /v1/topics/:name', fc.tuple(ids(real.topics), wireBodies(mutations(() => ({ description: 'paid', example: { b: [1] } })))), ([id, body]) => ({ method: 'PATCH', path: `/v1/topics/${enc(id)}?tenant=${TENANT}`, body }));
    await property('DELETE /v1/topics/:name', fc.tuple(weirdString, queries(['tenant'], { tenant: TENANT })), ([id, q]) => ({ method: 'DELETE', path: `/v1/topics/${enc(id)}?${q}` }));
  });

  it('receivers: create, list, read, update, rotate, delete', async () => {
    const auths = [
      { protocol: 'websub', algorithm: 'sha256', secret: 'a-websub-secret-of-length' },
      { protocol: 'standard-webhooks' },
      { protocol: 'oauth2', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', clientSecret: 's', scope: 'a b', audience: 'x' },
      { protocol: 'none' },
    ];
    const valid = () => ({ tenant: TENANT, name: `rcv-${++seq}`, url: `${hook.url}/r`, topics: ['Orders.Paid', 'Orders.*'], accountId: real.accounts[1], auth: auths[seq % auths.length], enabled: true });
    await property('POST /v1/receivers', fc.tuple(wireBodies(mutations(valid)), principal()), ([body, p]) => ({ method: 'POST', path: '/v1/receivers', body, client: clientOf(p) }), RUNS * 2);
    await property('GET /v1/receivers', fc.tuple(queries(['tenant', 'limit', 'cursor', 'deleted', 'accountId', 'topic'], { tenant: TENANT }), principal()), ([q, p]) => ({ method: 'GET', path: `/v1/receivers?${q}`, client: clientOf(p) }));
    await property('GET /v1/receivers/:id', ids(real.receivers), (id) => ({ method: 'GET', path: `/v1/receivers/${enc(id)}?tenant=${TENANT}` }));
    const update = () => ({ name: 'seed', url: `${hook.url}/r`, topics: ['Orders.*'], enabled: true });
    await property('PATCH /v1/receivers/:id', fc.tuple(ids(real.receivers), wireBodies(mutations(update))), ([id, body]) => ({ method: 'PATCH', path: `/v1/receivers/${enc(id)}?tenant=${TENANT}`, body }));
    await property('POST /v1/receivers/:id/rotate-secret', fc.tuple(ids(real.receivers), wireBodies(mutations(() => ({ overlapSeconds: 60, secret: 'another-websub-secret-0' })))), ([id, body]) => ({
      method: 'POST',
      path: `/v1/receivers/${enc(id)}/rotate-secret?tenant=${TENANT}`,
      body,
    }));
    await property('DELETE /v1/receivers/:id', fc.tuple(weirdString, queries(['tenant'], { tenant: TENANT })), ([id, q]) => ({ method: 'DELETE', path: `/v1/receivers/${enc(id)}?${q}` }));
  });

  it('push notifications: settings, types and their flags', async () => {
    const settings = () => ({ notification_server_url: `${hook.url}/push`, notification_jwt: 'eyJhbGciOiJIUzI1NiJ9.e30.sig', notification_days_before: 3 });
    await property('GET /v1/push/settings', fc.tuple(queries(['tenant', 'unit'], { tenant: TENANT }), principal()), ([q, p]) => ({ method: 'GET', path: `/v1/push/settings?${q}`, client: clientOf(p) }));
    await property('PUT /v1/push/settings', fc.tuple(wireBodies(mutations(settings)), principal()), ([body, p]) => ({ method: 'PUT', path: `/v1/push/settings?tenant=${TENANT}`, body, client: clientOf(p) }));
    const type = () => ({ tenant: TENANT, type: `fuzz.t${++seq}`, topic: 'Orders.Paid', description: 'a type', example: { a: 1 } });
    await property('POST /v1/push/types', fc.tuple(wireBodies(mutations(type)), principal()), ([body, p]) => ({ method: 'POST', path: '/v1/push/types', body, client: clientOf(p) }));
    await property('GET /v1/push/types', fc.tuple(queries(['tenant', 'limit', 'cursor', 'unit'], { tenant: TENANT }), principal()), ([q, p]) => ({ method: 'GET', path: `/v1/push/types?${q}`, client: clientOf(p) }));
    await property('GET /v1/push/types/:type', ids(['order.paid']), (id) => ({ method: 'GET', path: `/v1/push/types/${enc(id)}?tenant=${TENANT}` }));
    await property('PATCH /v1/push/types/:type', fc.tuple(ids(['order.paid']), wireBodies(mutations(() => ({ topic: 'Orders.Paid', description: 'paid', example: { b: 1 } })))), ([id, body]) => ({
      method: 'PATCH',
      path: `/v1/push/types/${enc(id)}?tenant=${TENANT}`,
      body,
    }));
    await property('DELETE /v1/push/types/:type', fc.tuple(weirdString, queries(['tenant'], { tenant: TENANT })), ([id, q]) => ({ method: 'DELETE', path: `/v1/push/types/${enc(id)}?${q}` }));
    await property('GET /v1/push/types/:type/enabled', fc.tuple(ids(['order.paid']), queries(['tenant', 'unit'], { tenant: TENANT })), ([id, q]) => ({ method: 'GET', path: `/v1/push/types/${enc(id)}/enabled?${q}` }));
    await property('PUT /v1/push/types/:type/enabled', fc.tuple(ids(['order.paid']), wireBodies(mutations(() => ({ enabled: true, unit: 'north' })))), ([id, body]) => ({
      method: 'PUT',
      path: `/v1/push/types/${enc(id)}/enabled?tenant=${TENANT}`,
      body,
    }));
    await property('DELETE /v1/push/types/:type/enabled', fc.tuple(ids(['order.paid']), queries(['tenant', 'unit'], { tenant: TENANT })), ([id, q]) => ({ method: 'DELETE', path: `/v1/push/types/${enc(id)}/enabled?${q}` }));
  });

  it('audit log and webhook log: lists, reads and resend', async () => {
    const p = principal();
    await property('GET /v1/audit/events', fc.tuple(queries(['tenant', 'topic', 'objectType', 'objectId', 'from', 'to', 'limit', 'cursor'], { tenant: TENANT }), p), ([q, who]) => ({ method: 'GET', path: `/v1/audit/events?${q}`, client: clientOf(who) }));
    await property('GET /v1/audit/events/:id', ids(real.events), (id) => ({ method: 'GET', path: `/v1/audit/events/${enc(id)}?tenant=${TENANT}` }));
    await property('GET /v1/audit/changes', fc.tuple(queries(['tenant', 'entity', 'entityId', 'actor', 'from', 'to', 'limit', 'cursor'], { tenant: TENANT }), p), ([q, who]) => ({ method: 'GET', path: `/v1/audit/changes?${q}`, client: clientOf(who) }));
    await property('GET /v1/audit/changes/:id', ids(real.events), (id) => ({ method: 'GET', path: `/v1/audit/changes/${enc(id)}?tenant=${TENANT}` }));
    await property('GET /v1/deliveries', queries(['tenant', 'receiver', 'topic', 'status', 'kind', 'from', 'to', 'limit', 'cursor'], { tenant: TENANT }), (q) => ({ method: 'GET', path: `/v1/deliveries?${q}` }));
    await property('GET /v1/deliveries/:id', fc.tuple(ids(real.events), queries(['tenant'], { tenant: TENANT })), ([id, q]) => ({ method: 'GET', path: `/v1/deliveries/${enc(id)}?${q}` }));
    await property('POST /v1/deliveries/:id/resend', fc.tuple(ids(real.events), queries(['tenant'], { tenant: TENANT })), ([id, q]) => ({ method: 'POST', path: `/v1/deliveries/${enc(id)}/resend?${q}` }));
  });

  it('no service logged an unexpected error', () => {
    const unexpected = stack
      .allLogLines()
      .filter((l) => l.includes('unexpected error'))
      .map((l) => {
        const j = JSON.parse(l) as { service: string; method?: string; path?: string; err?: { message?: string } };
        return `${j.service}: ${j.method} ${j.path}: ${j.err?.message}`;
      });
    assert.deepEqual(unexpected.slice(0, 10), []);
  });
});
