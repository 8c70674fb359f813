// Every registry write becomes exactly one change event through the transactional
// outbox, and none is lost when the broker is down and the registry crashes before it
// could publish: the rows wait in PostgreSQL and go out after the restart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { assertProblem, eventually, startTestStack, TestStack } from '@hookline/testing';

async function query<T>(stack: TestStack, sql: string, params: unknown[] = []): Promise<T[]> {
  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    return (await db.query(sql, params)).rows as T[];
  } finally {
    await db.end();
  }
}

describe('registry change events', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ services: ['registry', 'audit-log'] });
  });
  after(async () => {
    await stack?.stop();
  });

  const changesOf = async (entityId: string) => (await stack.operator.get(`/v1/audit/changes?tenant=durable&entityId=${entityId}&limit=100`)).body.data as any[];

  it('each write is one change; a refused write is none', async () => {
    assert.equal((await stack.operator.post('/v1/tenants', { id: 'durable', name: 'Durable' })).status, 201);
    assert.equal((await stack.operator.post('/v1/units', { tenant: 'durable', id: 'root', name: 'Root' })).status, 201);
    assertProblem(await stack.operator.post('/v1/units', { tenant: 'durable', id: 'root', name: 'Again' }), 409);
    assertProblem(await stack.operator.delete('/v1/units/nothing?tenant=durable'), 404);
    assert.equal((await stack.operator.patch('/v1/units/root?tenant=durable', { name: 'Root 2' })).status, 200);
    const changes = await eventually('two changes of root', async () => {
      const c = await changesOf('root');
      return c.length === 2 ? c : undefined;
    });
    assert.deepEqual(changes.map((c) => c.action), ['updated', 'created']);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await changesOf('root')).length, 2, 'no event for the refused writes');
  });

  it('writes made while NATS is down, by a registry that then crashes, are published after the restart', async () => {
    await stack.services['audit-log'].stop();
    await stack.nats.kill('SIGKILL');
    const ids = Array.from({ length: 10 }, (_, i) => `offline-${i}`);
    for (const id of ids) {
      const r = await stack.operator.post('/v1/units', { tenant: 'durable', id, name: id, parentId: 'root' });
      assert.equal(r.status, 201, r.text);
    }
    const pending = await query<{ n: number }>(stack, 'SELECT count(*)::int AS n FROM registry_outbox WHERE published_at IS NULL');
    assert.ok(pending[0].n >= ids.length, `pending ${pending[0].n}`);
    await stack.services.registry.kill('SIGKILL');
    await stack.nats.start();
    await stack.services.registry.start();
    await stack.services['audit-log'].start();
    await eventually('the outbox drained', async () => (await query<{ n: number }>(stack, 'SELECT count(*)::int AS n FROM registry_outbox WHERE published_at IS NULL'))[0].n === 0, 30_000);
    for (const id of ids) {
      const c = await eventually(`the change of ${id}`, async () => {
        const found = await changesOf(id);
        return found.length > 0 ? found : undefined;
      }, 30_000);
      assert.equal(c.length, 1, `${id} recorded once`);
      assert.deepEqual(c[0].after.path, ['root', id]);
    }
    // Stored once each, in the order they were written.
    const rows = await query<{ entity_id: string }>(stack, "SELECT entity_id FROM audit_changes WHERE tenant_id = 'durable' AND entity_id LIKE 'offline-%' ORDER BY stream_seq");
    assert.deepEqual(rows.map((r) => r.entity_id), ids);
  });
});
