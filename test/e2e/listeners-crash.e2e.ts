// Crashes while requests arrive: webhook-listener and then nats-server are SIGKILLed and
// restarted while senders keep pushing records. Every request answered 2xx ends up in the
// tables exactly once (its row, exactly its child rows, exactly one host event), and
// changes to one record are applied in the order they were accepted, also when the
// instance that took an older change died with it (a PATCH after it waits for it).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { CONSUMERS, tenantSchema } from '@hookline/contracts';
import { allRecords, consumersDrained, createListener, eventually, listenerTenant, startTestStack, TestListener, TestStack } from '@hookline/testing';

const TENANT = 'inbound-crash';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('inbound listeners: crashes while requests arrive', () => {
  let stack: TestStack;
  let l: TestListener;
  let serviceId: string;

  before(async () => {
    stack = await startTestStack({ env: { HOOKLINE_LISTENER_APPLY_BATCH: '50' } });
    ({ serviceId } = await listenerTenant(stack.operator, TENANT));
    l = await createListener(stack.operator, TENANT, serviceId, {
      name: 'crashy',
      sample: { id: 1, n: 1, note: 'x', items: [{ k: 'a', v: 1 }] },
      settings: { auth: { method: 'token', location: { in: 'authorization', prefix: 'Bearer ' } } },
    });
  });
  after(async () => {
    await stack?.stop();
  });

  async function send(body: unknown, key: string): Promise<number> {
    try {
      const res = await fetch(`${stack.url}${l.path}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${l.token}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  /** Senders of new records (ids from `from`) and one sequential updater of record 0, until stopped. */
  function load(from: number, label: string) {
    let stop = false;
    const accepted = new Set<number>();
    const answered = new Map<number, number>();
    /** [sent, answered] times of each request, to show which ones were in flight during a crash. */
    const spans: [number, number][] = [];
    let nextId = from;
    let counterAccepted = 0;
    let counterN = 0;
    const sender = async () => {
      while (!stop) {
        const id = nextId++;
        const sentAt = Date.now();
        const status = await send({ id, n: id, note: `record ${id}`, items: [{ k: `a${id}`, v: id }, { k: `b${id}`, v: -id }] }, `${label}-rec-${id}`);
        answered.set(id, status);
        spans.push([sentAt, Date.now()]);
        if (status >= 200 && status < 300) accepted.add(id);
        await sleep(5);
      }
    };
    const updater = async () => {
      while (!stop) {
        const n = ++counterN;
        const status = await send({ id: 0, n, note: `update ${n}` }, `${label}-upd-${n}`);
        if (status >= 200 && status < 300) counterAccepted = n;
        await sleep(10);
      }
    };
    const done = Promise.all([sender(), sender(), sender(), updater()]);
    return {
      accepted,
      answered,
      /** Requests sent before `t` and answered after it. */
      spanning: (t: number) => spans.filter(([a, b]) => a < t && b > t).length,
      lastCounter: () => counterAccepted,
      async stop() {
        stop = true;
        await done;
      },
    };
  }

  const applyDrained = () => consumersDrained(stack.nats.url, [CONSUMERS.listenerApply], 120_000);

  /**
   * Runs `fn` while the crashy table is locked (ACCESS EXCLUSIVE, as a host application or a
   * migration rewriting it would hold it); `fn` may let it go early with `unlock`.
   */
  async function whileLocked(fn: (lock: Client, unlock: () => Promise<void>) => Promise<void>): Promise<void> {
    const lock = new Client({ connectionString: stack.databaseUrl });
    await lock.connect();
    let unlocked = false;
    const unlock = async () => {
      await lock.query('COMMIT');
      unlocked = true;
    };
    try {
      await lock.query('BEGIN');
      await lock.query(`LOCK TABLE "${tenantSchema(TENANT)}"."crashy" IN ACCESS EXCLUSIVE MODE`);
      await fn(lock, unlock);
      if (!unlocked) await unlock();
    } finally {
      if (!unlocked) await lock.query('ROLLBACK').catch(() => undefined);
      await lock.end();
    }
  }

  async function verify(t: { diagnostic(m: string): void }, accepted: Set<number>, answered: Map<number, number>, lastCounter: number) {
    await applyDrained();
    const records = await allRecords(stack.operator, l);
    const byId = new Map<number, any>();
    for (const r of records) {
      assert.ok(!byId.has(r.row.id), `record ${r.row.id} twice`);
      byId.set(r.row.id, r);
    }
    for (const id of accepted) {
      const r = byId.get(id);
      assert.ok(r, `record ${id} was answered 2xx but is not in the table`);
      assert.equal(r.row.n, id);
      assert.equal(r.row.note, `record ${id}`);
      assert.deepEqual(r.children.crashy_items.map((c: { k: string; v: number }) => [c.k, c.v]), [[`a${id}`, id], [`b${id}`, -id]], `record ${id}'s child rows, exactly once`);
    }
    // Records never answered 2xx may be there (stored, then the answer was lost); whole, once.
    const lost = [...byId.keys()].filter((id) => answered.has(id) && !accepted.has(id));
    for (const id of lost) assert.equal(byId.get(id).children.crashy_items.length, 2);
    // The updater's record holds the last change it was told was accepted: applied in order.
    assert.equal(byId.get(0)?.row.n, lastCounter, 'record 0 holds the last accepted update');
    // One host event per record (the audit log projects them a moment later).
    const events = await eventually('every record\'s event in the audit log', async () => {
      const counts = new Map<string, number>();
      let cursor: string | null = null;
      do {
        const res: { body: any } = await stack.operator.get(`/v1/audit/events?tenant=${TENANT}&topic=Listener.crashy.Upserted&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        for (const e of res.body.data) if (e.object.id !== '0') counts.set(e.object.id, (counts.get(e.object.id) ?? 0) + 1);
        cursor = res.body.nextCursor;
      } while (cursor);
      return [...accepted].every((id) => counts.has(String(id))) ? counts : undefined;
    }, 60_000, 500);
    for (const id of accepted) assert.equal(events.get(String(id)), 1, `host events of record ${id}`);
    const failed = [...answered.values()].filter((s) => s < 200 || s >= 300).length;
    t.diagnostic(`${accepted.size} records answered 2xx, ${failed} not (${lost.length} of those stored anyway), ${records.length} in the table; record 0 updated ${lastCounter} times`);
  }

  it('SIGKILL of webhook-listener mid-run: every 2xx request is in the tables exactly once, in order', async (t) => {
    const run = load(1, 'listener');
    await eventually('requests flowing', async () => run.accepted.size >= 60, 60_000);
    const svc = stack.services['webhook-listener'];
    await svc.kill('SIGKILL');
    await sleep(700);
    await svc.start();
    await eventually('accepting again', async () => run.accepted.size >= 200, 60_000);
    await run.stop();
    assert.ok([...run.answered.values()].some((s) => s < 200 || s >= 300), 'the crash was felt: some requests were refused');
    await verify(t, run.accepted, run.answered, run.lastCounter());
  });

  it('SIGKILL of nats-server mid-run: every 2xx request is in the tables exactly once, in order', async (t) => {
    const run = load(100_000, 'nats');
    await eventually('requests flowing', async () => run.accepted.size >= 60, 60_000);
    await stack.nats.kill('SIGKILL');
    await sleep(1000);
    const restartingAt = Date.now();
    await stack.nats.start();
    await eventually('accepting again', async () => run.accepted.size >= 200, 90_000);
    await run.stop();
    // Requests that arrived while the broker was gone waited for it (the 2xx only comes
    // after the PubAck) or were refused; either way some were in flight across the crash.
    assert.ok(run.spanning(restartingAt) > 0 || [...run.answered.values()].some((s) => s < 200 || s >= 300), 'no request was in flight during the crash');
    await verify(t, run.accepted, run.answered, run.lastCounter());
    for (const svc of Object.values(stack.services)) await eventually(`${svc.name} ready`, async () => (await fetch(`${svc.url}/ready`)).status === 200, 30_000);
  });

  it('a request sent again after nats-server restarted is applied once, though the stream no longer knows it', async () => {
    // An applied change is gone from the work queue, and a restarted nats-server rebuilds its
    // deduplication window from the messages it still holds: the second copy is stored.
    const id = 600_001;
    const put = (n: number) => send({ id, n, note: `version ${n}`, items: [{ k: 'a', v: n }] }, `restart-${id}-${n}`);
    assert.equal(await put(1), 202);
    await applyDrained();
    assert.equal(await put(2), 202);
    await applyDrained();
    await stack.nats.kill('SIGKILL');
    await stack.nats.start();
    for (const svc of Object.values(stack.services)) await eventually(`${svc.name} ready`, async () => (await fetch(`${svc.url}/ready`)).status === 200, 30_000);
    const again = await fetch(`${stack.url}${l.path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${l.token}`, 'content-type': 'application/json', 'idempotency-key': `restart-${id}-1` },
      body: JSON.stringify({ id, n: 1, note: 'version 1', items: [{ k: 'a', v: 1 }] }),
    });
    assert.equal(again.status, 202);
    assert.equal(((await again.json()) as { duplicate: boolean }).duplicate, false, 'the stream stored it again');
    await applyDrained();
    const record = (await allRecords(stack.operator, l, `&key.id=${id}`)).find((r) => r.row.id === id);
    assert.equal(record?.row.n, 2, 'the copy of version 1 did not replace version 2');
    // A change after it, whose event comes after any the copy could have caused.
    assert.equal(await put(3), 202);
    const eventsOf = async (): Promise<number[]> => {
      const res: { body: { data: { object: { id: string }; data: { record: { n: number } } }[] } } = await stack.operator.get(`/v1/audit/events?tenant=${TENANT}&topic=Listener.crashy.Upserted&limit=500`);
      return res.body.data.filter((e) => e.object.id === String(id)).map((e) => e.data.record.n);
    };
    await eventually('the record\'s events in the audit log', async () => (await eventsOf()).includes(3), 30_000, 300);
    assert.deepEqual((await eventsOf()).sort(), [1, 2, 3], 'one host event per request');
  });

  it('a PATCH accepted after a POST that a killed instance was applying waits for that POST: the record holds both', async (t) => {
    const svc = stack.services['webhook-listener'];
    const id = 700_001;
    const hook = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${stack.url}${path}`, { method, headers: { authorization: `Bearer ${l.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, text: await res.text() };
    };
    // The table is locked, so the instance that takes the POST blocks in the middle of
    // applying it; it dies there, the POST unacknowledged until its ack wait (30 s) runs out.
    await whileLocked(async (lock, unlock) => {
      const created = await hook('POST', l.path, { id, n: 1, note: 'created', items: [{ k: 'a', v: 1 }, { k: 'b', v: 2 }] });
      assert.equal(created.status, 202, created.text);
      // A lock on the table asked for and not granted: the apply's. (Not pg_stat_activity's
      // query text: a backend waiting for a relation lock can still show the statement
      // before, as "idle in transaction", which made this check miss on a faster machine.)
      await eventually('the apply blocked on the lock', async () => {
        const r = await lock.query(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype = 'relation' AND relation = $1::regclass`, [`"${tenantSchema(TENANT)}"."crashy"`]);
        return r.rows[0].n > 0;
      }, 30_000);
      await svc.kill('SIGKILL');
      await svc.start();
      await eventually('webhook-listener ready', async () => (await fetch(`${svc.url}/ready`)).status === 200, 30_000);
      await unlock();
      // Accepted: the POST is still on the stream, so the record is known to exist.
      const patched = await hook('PATCH', `${l.path}/${id}`, { note: 'patched' });
      assert.equal(patched.status, 202, patched.text);
      const startedWaiting = Date.now();
      await applyDrained();
      t.diagnostic(`applied ${Date.now() - startedWaiting} ms after the PATCH was accepted`);
    });
    const record = (await allRecords(stack.operator, l, `&key.id=${id}`)).find((r) => r.row.id === id);
    assert.ok(record, `record ${id}: its POST and its PATCH were answered 202, and it is not in the table`);
    assert.equal(record.row.note, 'patched', 'the PATCH was applied on top of the POST');
    assert.equal(record.row.n, 1);
    assert.deepEqual(record.children.crashy_items.map((c: { k: string; v: number }) => [c.k, c.v]), [['a', 1], ['b', 2]]);
    assert.ok(svc.lines.some((line) => line.includes('patches wait for older changes')), 'the PATCH waited for the POST');
  });

  it("a listener whose table stays locked does not hold up the others: their changes are applied meanwhile, its own once the lock is gone", async () => {
    const other = await createListener(stack.operator, TENANT, serviceId, { name: 'bystander', sample: { id: 1, v: 'x' } });
    const post = async (target: TestListener, body: unknown) => {
      const res = await fetch(`${stack.url}${target.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(target.token ? { authorization: `Bearer ${target.token}` } : {}) },
        body: JSON.stringify(body),
      });
      return { status: res.status, text: await res.text() };
    };
    const id = 800_001;
    await whileLocked(async () => {
      const blocked = await post(l, { id, n: 1, note: 'waits for the lock', items: [{ k: 'a', v: 1 }] });
      assert.equal(blocked.status, 202, blocked.text);
      const meanwhile = await post(other, { id: 1, v: 'applied meanwhile' });
      assert.equal(meanwhile.status, 202, meanwhile.text);
      const rs = await eventually('the other listener\'s record applied while the table stays locked', async () => {
        const records = await allRecords(stack.operator, other);
        return records.some((r) => r.row.v === 'applied meanwhile') ? records : undefined;
      }, 20_000);
      assert.equal(rs.length, 1);
      // A PATCH must find its record in the locked table: answered 503 (send it again) once
      // the lock timeout has passed, instead of held for as long as the lock is.
      const patched = await fetch(`${stack.url}${l.path}/0`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${l.token}` },
        body: JSON.stringify({ note: 'while locked' }),
        signal: AbortSignal.timeout(15_000),
      });
      assert.equal(patched.status, 503, await patched.text());
      assert.equal(patched.headers.get('retry-after'), '2');
    });
    await applyDrained();
    const record = (await allRecords(stack.operator, l, `&key.id=${id}`)).find((r) => r.row.id === id);
    assert.equal(record?.row.note, 'waits for the lock', 'applied once the lock was gone');
    assert.ok(stack.services['webhook-listener'].lines.some((line) => line.includes('stayed locked')), 'the locked listener\'s changes were left for later');
  });

  it('a restarted webhook-listener applies what it accepted before dying, though its consumer starts before its view of the registry has replayed', async () => {
    // With a long linger the changes accepted after the first wait on the stream; the
    // service dies with them there, and the new process finds them pending at its start.
    const svc = stack.services['webhook-listener'];
    await svc.stop();
    await svc.start({ HOOKLINE_LISTENER_APPLY_LINGER: '60s' });
    await eventually('webhook-listener ready', async () => (await fetch(`${svc.url}/ready`)).status === 200, 30_000);
    const ids = Array.from({ length: 21 }, (_, i) => 500_000 + i);
    for (const id of ids) assert.equal(await send({ id, n: id, note: `record ${id}`, items: [{ k: `a${id}`, v: id }, { k: `b${id}`, v: -id }] }, `waiting-${id}`), 202);
    await svc.kill('SIGKILL');
    await svc.start();
    await applyDrained();
    const records = new Map((await allRecords(stack.operator, l)).map((r) => [r.row.id, r]));
    for (const id of ids) assert.ok(records.get(id)?.children.crashy_items.length === 2, `record ${id} was answered 202 but is not in the table`);
    const dropped = svc.lines.filter((line) => line.includes('dropping accepted changes'));
    assert.deepEqual(dropped, [], 'no accepted change was taken for one of a deleted listener');
  });
});
