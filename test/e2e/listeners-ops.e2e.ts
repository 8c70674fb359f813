// Inbound listeners, the operating side: transform scripts (a success, a rejection, a
// throw, an endless loop, a memory blow-up: each only that request's error, the listener
// keeps serving), the retention purge (batches, audited), the webhook logs (filters by
// listener name and state, newest first, trimmed to keepLogs without a DELETE per request;
// requests whose body or error holds U+0000 logged like any other, without stopping the
// log), and reading the records by their last_modified range, page by page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import { allRecords, assertProblem, createListener, eventually, listenerTenant, recordsWhen, startTestStack, TestStack } from '@hookline/testing';

const TENANT = 'inbound-ops';

describe('inbound listeners: scripts, retention and logs', () => {
  let stack: TestStack;
  let serviceId: string;

  async function send(path: string, method: string, body?: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${stack.url}${path}`, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function logs(query: string) {
    const res = await stack.operator.get(`/v1/listener-logs?tenant=${TENANT}${query}`);
    assert.equal(res.status, 200, res.text);
    return res.body.data as { listener: string; state: string; status: number; error: string | null; method: string; path: string; body: string | null; seq: number; records: number; durationMs: number; size: number; at: string }[];
  }

  before(async () => {
    stack = await startTestStack({
      env: {
        HOOKLINE_LISTENER_RETENTION_SWEEP: '300ms',
        HOOKLINE_LISTENER_PURGE_BATCH: '7',
        HOOKLINE_LISTENER_LOG_FLUSH: '50ms',
      },
    });
    ({ serviceId } = await listenerTenant(stack.operator, TENANT));
  });
  after(async () => {
    await stack?.stop();
  });

  it('a script turns a request into records, rejects it, or fails it alone (throw, endless loop, memory blow-up)', async () => {
    const source = `
      function transform(request) {
        if (request.headers['x-mode'] === 'reject') reject('only order events, not ' + request.body.type, 422);
        if (request.headers['x-mode'] === 'throw') throw new TypeError('cannot read the order');
        if (request.headers['x-mode'] === 'loop') { for (;;) {} }
        if (request.headers['x-mode'] === 'memory') { var a = []; for (;;) a.push(new Array(100000).fill('x')); }
        if (request.headers['x-mode'] === 'keep') return undefined;
        return request.body.orders.map(function (o) { return { id: o.ref, source: request.query.source, amount: o.cents / 100, event: request.body.type }; });
      }`;
    const l = await createListener(stack.operator, TENANT, serviceId, {
      name: 'scripted',
      sample: { id: 1, source: 's', amount: 1.5, event: 'e' },
      settings: { script: { source, timeoutMs: 50, memoryMb: 16 } },
    });
    const ok = await send(`${l.path}?source=shop`, 'POST', JSON.stringify({ type: 'orders.paid', orders: [{ ref: 11, cents: 1250 }, { ref: 12, cents: 99 }] }));
    assert.equal(ok.status, 202, ok.text);
    assert.equal(ok.body.records, 2);
    const rs = await recordsWhen(stack.operator, l, (x) => x.length === 2, 'two records from the script');
    assert.deepEqual(rs.map((r) => [r.row.id, r.row.amount, r.row.source, r.row.event]).sort(), [[11, 12.5, 'shop', 'orders.paid'], [12, 0.99, 'shop', 'orders.paid']]);

    const rejected = await send(l.path, 'POST', JSON.stringify({ type: 'refund' }), { 'x-mode': 'reject' });
    assertProblem(rejected, 422);
    assert.equal(rejected.body.detail, 'only order events, not refund');
    const failures: [string, RegExp][] = [
      ['throw', /TypeError: cannot read the order/],
      ['loop', /time limit of 50 ms/],
      ['memory', /memory limit of 16 MB/],
    ];
    for (const [mode, message] of failures) {
      const r = await send(l.path, 'POST', JSON.stringify({ type: 'x', orders: [] }), { 'x-mode': mode });
      assertProblem(r, 422);
      assert.match(r.body.detail, message);
      // The listener keeps serving.
      assert.equal((await send(`${l.path}?source=after-${mode}`, 'POST', JSON.stringify({ type: 'orders.paid', orders: [{ ref: 20, cents: 1 }] }))).status, 202);
    }
    // The memory blow-up stayed in the script's engine: the service did not grow to hold it
    // (QuickJS's own limit does not bound it in this build: before the engine's memory was
    // capped, this run grew the service by 1.5 to 4 GB).
    const health = await fetch(`${stack.services['webhook-listener'].url}/health`);
    const { runtime } = ((await health.json()) as { instance: { runtime: { rssBytes: number } } }).instance;
    assert.ok(runtime.rssBytes < 400 * 1024 * 1024, `the listener service holds ${Math.round(runtime.rssBytes / 1048576)} MB`);
    // A script that returns nothing leaves the request as it is.
    assert.equal((await send(l.path, 'POST', JSON.stringify({ id: 30, source: 'raw', amount: 3, event: 'kept' }), { 'x-mode': 'keep' })).status, 202);
    await recordsWhen(stack.operator, l, (x) => x.some((r) => r.row.id === 30 && r.row.event === 'kept'), 'the untransformed record');
    const errors = await eventually('script errors in the log', async () => {
      const e = await logs('&listener=scripted&state=error');
      return e.length >= 4 ? e : undefined;
    });
    assert.ok(errors.some((e) => /time limit/.test(e.error ?? '') && e.status === 422));
    assert.ok(errors.some((e) => /memory limit/.test(e.error ?? '')));
    assert.ok(errors.every((e) => e.body !== null), 'failed requests keep their body');
  });

  it('deletes records past the retention in batches, with their children, and audits each purge', async () => {
    const l = await createListener(stack.operator, TENANT, serviceId, { name: 'shortlived', sample: { id: 1, items: [{ n: 1 }] }, settings: { retention: '3s' } });
    const body = JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ id: i + 1, items: [{ n: i }, { n: i + 1 }] })));
    assert.equal((await send(l.path, 'POST', body)).status, 202);
    await recordsWhen(stack.operator, l, (x) => x.length === 20, 'twenty records');
    // A record changed again stays while the others expire.
    const stays = setInterval(() => void send(l.path, 'PUT', JSON.stringify({ id: 100, items: [{ n: Date.now() }] })).catch(() => undefined), 500);
    try {
      await recordsWhen(stack.operator, l, (x) => x.length === 1 && x[0].row.id === 100, 'only the fresh record left', 30_000);
    } finally {
      clearInterval(stays);
    }
    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      const orphans = await db.query('SELECT count(*)::int AS n FROM "tenant_inbound-ops"."shortlived_items" WHERE "_root_id" <> 100');
      assert.equal(orphans.rows[0].n, 0, 'children went with their records');
    } finally {
      await db.end();
    }
    const purges = await eventually('the purge in the audit log', async () => {
      const c = await stack.operator.get(`/v1/audit/changes?tenant=${TENANT}&entity=listener&entityId=${l.id}&limit=500`);
      const p = c.body.data?.filter((x: { action: string }) => x.action === 'purged');
      const total = (p ?? []).reduce((a: number, x: { detail: { count: number } }) => a + x.detail.count, 0);
      return total >= 20 ? p : undefined;
    });
    assert.equal(purges[0].actor.kind, 'system');
    assert.equal(purges[0].detail.listener, 'shortlived');
    assert.equal(purges[0].detail.retention, '3s');
  });

  it('logs every request with its state, filters by listener name and state, and keeps the newest keepLogs', async () => {
    const a = await createListener(stack.operator, TENANT, serviceId, { name: 'logged', sample: { id: 1 }, settings: { keepLogs: 5, auth: { method: 'token', location: { in: 'header', name: 'x-token' } } } });
    const b = await createListener(stack.operator, TENANT, serviceId, { name: 'other', sample: { id: 1 } });
    for (let i = 0; i < 8; i++) assert.equal((await send(a.path, 'POST', JSON.stringify({ id: i }), { 'x-token': a.token as string })).status, 202);
    // Accepted requests are logged when applied (with their records), refused ones at once:
    // wait for the eight so that the refusals below are the newest two.
    await recordsWhen(stack.operator, a, (x) => x.length === 8, 'eight records');
    assertProblem(await send(a.path, 'POST', JSON.stringify({ id: 'no' }), { 'x-token': a.token as string }), 400);
    assertProblem(await send(a.path, 'POST', '{}', { 'x-token': 'wrong' }), 401);
    assert.equal((await send(b.path, 'POST', JSON.stringify({ id: 1 }))).status, 202);
    let last: Awaited<ReturnType<typeof logs>> = [];
    const mine = await eventually('five entries for logged', async () => {
      last = await logs('&listener=logged&state=all');
      return last.length === 5 && last.filter((x) => x.state === 'error').length === 2 ? last : undefined;
    }).catch(() => last);
    // Newest first: the two errors, then the last three successes.
    assert.deepEqual(mine.map((e) => e.status), [401, 400, 202, 202, 202]);
    assert.ok(mine.every((e, i) => i === 0 || (e.at <= mine[i - 1].at && e.seq < mine[i - 1].seq)));
    assert.ok(mine.every((e) => e.listener === 'logged' && e.method === 'POST' && e.path === a.path));
    assert.match(mine[0].error ?? '', /token/);
    assert.equal(mine[0].size, 0, 'a request with a wrong token is refused before its body is read');
    assert.ok(mine.slice(1).every((e) => e.size > 0));
    assert.equal(mine[2].state, 'success');
    assert.equal(mine[2].records, 1);
    assert.deepEqual((await logs('&listener=logged&state=error')).map((e) => e.status), [401, 400]);
    assert.equal((await logs('&listener=logged&state=success')).length, 3);
    // (other's one request is logged when it is applied, which the wait above did not wait for.)
    assert.deepEqual(await eventually('the entry of other', async () => {
      const e = await logs('&listener=other');
      return e.length > 0 ? e.map((x) => x.listener) : undefined;
    }), ['other']);
    // The ring holds exactly keepLogs rows: older entries were overwritten, not deleted one by one.
    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      const n = await db.query('SELECT count(*)::int AS n, max(seq)::int AS last FROM listener_logs WHERE listener_id = $1', [a.id]);
      // (The newest is the last entry shown. Its seq depends on batching: a batch holding more
      // entries than the ring writes only the newest keepLogs of them, and numbers only those.)
      assert.deepEqual(n.rows[0], { n: 5, last: Number(mine[0].seq) });
    } finally {
      await db.end();
    }
    // Paging.
    const page1 = await stack.operator.get(`/v1/listener-logs?tenant=${TENANT}&listener=logged&limit=2`);
    const page2 = await stack.operator.get(`/v1/listener-logs?tenant=${TENANT}&listener=logged&limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    assert.deepEqual([...page1.body.data, ...page2.body.data].map((e: { seq: number }) => e.seq), mine.slice(0, 4).map((e) => e.seq));
    assertProblem(await stack.operator.get(`/v1/listener-logs?tenant=${TENANT}&state=bad`), 400, 'state');
    assertProblem(await stack.operator.get(`/v1/listener-logs?tenant=${TENANT}&cursor=nope`), 400, 'cursor');
  });

  it('a refused request whose body or error holds U+0000 is logged (as U+FFFD), and the log keeps going', async () => {
    // Before: such an entry failed its flush (PostgreSQL's jsonb and text refuse U+0000),
    // was put back in front, and failed every later flush with it: no refused request of
    // the instance was logged any more.
    const l = await createListener(stack.operator, TENANT, serviceId, { name: 'nul-logged', sample: { id: 1, name: 'n' }, settings: { auth: { method: 'token', location: { in: 'header', name: 'x-token' } } } });
    const signed = await createListener(stack.operator, TENANT, serviceId, {
      name: 'nul-signed',
      sample: { id: 1, name: 'n' },
      settings: { signature: { preset: 'hmac', secret: 'a-shared-secret-for-the-nul-test', header: 'X-Sig', algorithm: 'sha256', encoding: 'hex' } },
    });
    const token = { 'x-token': l.token as string };
    // Malformed JSON with a NUL byte: the parser's message quotes the character, and the body is kept.
    const malformed = '{"id":\u0000}';
    const r1 = await send(l.path, 'POST', malformed, token);
    assertProblem(r1, 400, 'body');
    assert.ok(String(r1.body.detail).includes('\u0000'), `the answer quotes the NUL: ${r1.text}`);
    // A wrong token with a NUL in the body: refused before the body is read (no body logged).
    assertProblem(await send(l.path, 'POST', '{"id":1,"name":"\u0000"}', { 'x-token': 'hlt_wrong' }), 401);
    // A signature that does not match: anyone can send this one, and its body is kept.
    const unsigned = '{"id":2,"name":"a\u0000b"}';
    assertProblem(await send(signed.path, 'POST', unsigned, { 'x-sig': createHmac('sha256', 'not-the-secret').update(unsigned).digest('hex') }), 401);
    const first = await eventually('the refusals with a NUL byte in the log', async () => {
      const [a, b] = [await logs('&listener=nul-logged&state=all'), await logs('&listener=nul-signed&state=all')];
      return a.length === 2 && b.length === 1 ? { a, b } : undefined;
    });
    const [wrongToken, parseError] = first.a;
    assert.deepEqual([wrongToken.status, parseError.status], [401, 400], 'newest first');
    assert.ok([wrongToken, parseError, first.b[0]].every((e) => e.state === 'error'));
    assert.equal(parseError.body, '{"id":\uFFFD}', 'the body as received, U+0000 replaced');
    assert.match(parseError.error ?? '', /malformed JSON/);
    assert.ok(parseError.error?.includes('\uFFFD') && !parseError.error.includes('\u0000'), `the error message, U+0000 replaced: ${JSON.stringify(parseError.error)}`);
    assert.equal(wrongToken.body, null);
    assert.equal(wrongToken.size, 0);
    assert.equal(first.b[0].status, 401);
    assert.match(first.b[0].error ?? '', /signature/);
    assert.equal(first.b[0].body, '{"id":2,"name":"a\uFFFDb"}');
    // The log keeps going: a plain refusal after them, then an accepted request.
    assertProblem(await send(l.path, 'POST', JSON.stringify({ id: 'not a number' }), token), 400, 'body.id');
    await sleep(5);
    assert.equal((await send(l.path, 'POST', JSON.stringify({ id: 7, name: 'fine' }), token)).status, 202);
    const all = await eventually('the later refusal and the accepted request in the log', async () => {
      const e = await logs('&listener=nul-logged&state=all');
      return e.length === 4 ? e : undefined;
    });
    assert.deepEqual(all.map((e) => [e.status, e.state]), [[202, 'success'], [400, 'error'], [401, 'error'], [400, 'error']]);
    assert.match(all[1].error ?? '', /body\.id/);
    assert.equal(all[0].records, 1);
  });

  it('reads records by their last_modified range: modifiedFrom inclusive, modifiedTo exclusive, page by page', async () => {
    const l = await createListener(stack.operator, TENANT, serviceId, { name: 'timed', sample: { id: 1, note: 'n', items: [{ n: 1 }] } });
    // Three requests, each stamping its records with its own acceptance time (last_modified).
    const batches = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]];
    for (const ids of batches) {
      const r = await send(l.path, 'POST', JSON.stringify(ids.map((id) => ({ id, note: `record ${id}`, items: [{ n: id }, { n: -id }] }))));
      assert.equal(r.status, 202, r.text);
      // Apart by more than a millisecond (the resolution of acceptance times).
      await sleep(20);
    }
    const rows = await recordsWhen(stack.operator, l, (x) => x.length === 12, 'twelve records');
    const stamp = (ids: number[]) => {
      const at = new Set(rows.filter((r) => ids.includes(r.row.id)).map((r) => r.row.last_modified as string));
      assert.equal(at.size, 1, `records ${ids.join(', ')} share their request's time: ${[...at].join(', ')}`);
      return [...at][0];
    };
    const [tA, tB, tC] = batches.map(stamp);
    assert.ok(tA < tB && tB < tC, `${tA} < ${tB} < ${tC}`);
    const plus1ms = (t: string) => new Date(Date.parse(t) + 1).toISOString();
    const ids = async (filter: string) => (await allRecords(stack.operator, l, filter)).map((r) => r.row.id as number).sort((a, b) => a - b);
    const [A, B, C] = batches;
    assert.deepEqual(await ids(`&modifiedFrom=${tB}`), [...B, ...C], 'modifiedFrom includes its own instant');
    assert.deepEqual(await ids(`&modifiedFrom=${plus1ms(tB)}`), C);
    assert.deepEqual(await ids(`&modifiedTo=${tC}`), [...A, ...B], 'modifiedTo leaves its own instant out');
    assert.deepEqual(await ids(`&modifiedTo=${tB}`), A);
    assert.deepEqual(await ids(`&modifiedTo=${plus1ms(tB)}`), [...A, ...B]);
    assert.deepEqual(await ids(`&modifiedFrom=${tB}&modifiedTo=${tC}`), B);
    assert.deepEqual(await ids(`&modifiedFrom=${tB}&modifiedTo=${tB}`), [], 'an empty range');
    // An instant in another zone is the same instant.
    const d = new Date(Date.parse(tB) + 2 * 3600_000);
    const inOslo = `${d.toISOString().slice(0, 23)}+02:00`;
    assert.deepEqual(await ids(`&modifiedFrom=${encodeURIComponent(inOslo)}&modifiedTo=${tC}`), B);
    // A date alone is its midnight, UTC.
    assert.deepEqual(await ids('&modifiedTo=2000-01-01'), []);
    assert.deepEqual(await ids('&modifiedFrom=2000-01-01'), [...A, ...B, ...C]);
    // Pages of three through [tA, tC): newest change first (B's, then A's, each by key
    // descending), each record once, with its child rows, the cursor keeping the range.
    const seen: number[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; text: string; body: any } = await stack.operator.get(
        `/v1/listener-records/${l.id}?tenant=${TENANT}&limit=3&modifiedFrom=${tA}&modifiedTo=${tC}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      assert.equal(page.status, 200, page.text);
      sizes.push(page.body.data.length);
      for (const r of page.body.data) {
        seen.push(r.row.id);
        assert.deepEqual(r.children.timed_items.map((c: { n: number }) => c.n), [r.row.id, -r.row.id], `record ${r.row.id}'s child rows`);
      }
      cursor = page.body.nextCursor;
    } while (cursor && sizes.length < 10);
    assert.deepEqual(sizes, [3, 3, 2]);
    assert.deepEqual(seen, [8, 7, 6, 5, 4, 3, 2, 1]);
    for (const bad of ['yesterday', '2026-13-01', '12:00']) assertProblem(await stack.operator.get(`/v1/listener-records/${l.id}?tenant=${TENANT}&modifiedFrom=${bad}`), 400, 'modifiedFrom');
    assertProblem(await stack.operator.get(`/v1/listener-records/${l.id}?tenant=${TENANT}&modifiedTo=soon`), 400, 'modifiedTo');
  });
});
