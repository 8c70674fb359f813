// A 202 means durable, and restarts lose nothing and store nothing twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { eventually, startTestStack, TestStack } from '@hookline/testing';

async function countStored(stack: TestStack, tenant: string): Promise<{ total: number; distinct: number }> {
  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const r = await db.query('SELECT count(*)::int AS total, count(DISTINCT id)::int AS distinct FROM audit_events WHERE tenant_id = $1', [tenant]);
    return r.rows[0];
  } finally {
    await db.end();
  }
}

describe('durability', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ services: ['registry', 'audit-log'] });
  });
  after(async () => {
    await stack?.stop();
  });

  it('an event answered 202 survives nats-server being SIGKILLed right after', async () => {
    // Keep audit-log from consuming it before the crash, so the stream is the only copy.
    await stack.services['audit-log'].stop();
    const res = await stack.operator.post('/v1/events', { tenant: 'durable', topic: 'Crash.Test', object: { type: 't', id: '1' }, data: { v: 1 } });
    assert.equal(res.status, 202);
    await stack.nats.kill('SIGKILL');
    await stack.nats.start();
    await stack.services['audit-log'].start();
    await eventually('the event after the crash', async () => (await stack.operator.get(`/v1/audit/events/${res.body.id}?tenant=durable`)).status === 200, 30_000);
    // The registry reconnects on its own and keeps accepting.
    const next = await eventually('registry accepting again', async () => {
      const r = await stack.operator.post('/v1/events', { tenant: 'durable', topic: 'Crash.Test', object: { type: 't', id: '2' } });
      return r.status === 202 ? r : undefined;
    }, 30_000);
    await eventually('the next event', async () => (await stack.operator.get(`/v1/audit/events/${next.body.id}?tenant=durable`)).status === 200, 30_000);
  });

  it('restarting audit-log while events arrive loses none and stores none twice', async () => {
    const total = 300;
    const accepted = new Set<string>();
    let sent = 0;
    const publisher = (async () => {
      while (sent < total) {
        const batch = Array.from({ length: Math.min(10, total - sent) }, () => sent++);
        const results = await Promise.all(
          batch.map((i) => stack.operator.post('/v1/events', { tenant: 'restarts', topic: 'Load.Test', object: { type: 't', id: String(i) }, data: { i } }, { 'idempotency-key': `load-${i}` })),
        );
        for (const r of results) {
          assert.equal(r.status, 202, r.text);
          accepted.add(r.body.id);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const audit = stack.services['audit-log'];
    await eventually('some events flowing', async () => sent > 50);
    const code = await audit.stop(); // graceful: finish in-flight, settle, close
    assert.ok(audit.lines.some((l) => l.includes('in-flight work settled')), 'graceful stop settles in-flight work');
    assert.notEqual(code, 1);
    await audit.start();
    await eventually('more events flowing', async () => sent > 150);
    await audit.kill('SIGKILL'); // and a crash: unacked messages are redelivered
    await audit.start();
    await publisher;
    assert.equal(accepted.size, total);
    const counts = await eventually('every event stored', async () => {
      const c = await countStored(stack, 'restarts');
      return c.total >= total ? c : undefined;
    }, 60_000);
    assert.deepEqual(counts, { total, distinct: total });
  });
});
