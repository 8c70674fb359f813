// Inbound listeners' retention when one listener's purge fails: the listener whose table is
// gone is logged (by name, without its data) and skipped, and every other listener's old
// records are still deleted and their purge audited.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { tenantSchema } from '@hookline/contracts';
import { createListener, eventually, listenerTenant, recordsWhen, startTestStack, type TestStack } from '@hookline/testing';

const TENANT = 'inbound-retention';

describe('inbound listeners: a failing listener does not stop the retention of the others', () => {
  let stack: TestStack;
  let serviceId: string;

  before(async () => {
    stack = await startTestStack({
      services: ['registry', 'audit-log', 'signer', 'webhook-listener'],
      env: { HOOKLINE_LISTENER_RETENTION_SWEEP: '300ms', HOOKLINE_LISTENER_LOG_FLUSH: '50ms' },
    });
    ({ serviceId } = await listenerTenant(stack.operator, TENANT));
  });
  after(async () => {
    await stack?.stop();
  });

  it('a listener whose table was dropped is skipped; the listener after it is still purged and audited', async () => {
    // Created first, so the sweep reaches it before the other.
    await createListener(stack.operator, TENANT, serviceId, { name: 'broken', sample: { id: 1, v: 'a' } });
    const short = await createListener(stack.operator, TENANT, serviceId, { name: 'shortlived', sample: { id: 1, v: 'a' }, settings: { retention: '2s' } });
    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      await db.query(`DROP TABLE "${tenantSchema(TENANT)}"."broken" CASCADE`);
    } finally {
      await db.end();
    }
    const res = await fetch(`${stack.url}${short.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]) });
    assert.equal(res.status, 202, await res.text());
    await recordsWhen(stack.operator, short, (x) => x.length === 2, 'two records');
    // Before: every sweep stopped at the broken listener, and these stayed for good.
    await recordsWhen(stack.operator, short, (x) => x.length === 0, 'the records past the retention deleted', 20_000);
    const purges = await eventually('the purge in the audit log', async () => {
      const c = await stack.operator.get(`/v1/audit/changes?tenant=${TENANT}&entity=listener&entityId=${short.id}&limit=100`);
      const p = (c.body.data ?? []).filter((x: { action: string }) => x.action === 'purged');
      return p.reduce((n: number, x: { detail: { count: number } }) => n + x.detail.count, 0) === 2 ? p : undefined;
    });
    assert.ok(purges.every((p: { detail: { listener: string } }) => p.detail.listener === 'shortlived'));
    // The failure is logged, naming the listener.
    const failed = stack.services['webhook-listener'].lines.filter((l) => l.includes('listener retention failed for one listener'));
    assert.ok(failed.length > 0, 'a warning for the broken listener');
    assert.ok(failed.every((l) => l.includes('"listener":"broken"')), failed[0]);
  });
});
