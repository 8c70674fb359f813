// The retention purge against a real PostgreSQL: each batch's audit is published before its
// delete commits, so a publish that fails leaves the batch's records in place (the next
// sweep purges and audits them): never records gone without an audit.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tenantSchema, type ListenerChangeState, type ListenerStructure, type RegistryChange } from '@hookline/contracts';
import type { JetStreamPublisher } from '@hookline/messaging';
import type { Logger } from '@hookline/observability';
import { createTestDataSource, sharedPostgresUrl, type TestDataSource } from '@hookline/testing';
import type { WebhookListenerConfig } from '../config';
import { LogsRepository } from '../logs/logs.repository';
import type { ListenersViewProvider } from '../registry-view/listeners-view.provider';
import { RetentionJob } from './retention.job';
import { RetentionRepository } from './retention.repository';

const adminUrl = sharedPostgresUrl();
const TENANT = 'retention-int';
const SCHEMA = tenantSchema(TENANT);

const structure: ListenerStructure = {
  baseName: 'things',
  rootPath: [],
  primaryKey: ['id'],
  tables: [{ name: 'things', parent: null, path: [], columns: [{ name: 'id', source: ['id'], type: 'numeric' }] }],
};

const listener = {
  id: '0196f3a2-7c1e-7d2a-9b3c-00000000b001',
  tenant: TENANT,
  name: 'things',
  retention: '1h',
  retentionSeconds: 3600,
  keepLogs: 10,
  structure,
} as ListenerChangeState;

describe('RetentionJob', { skip: !adminUrl && 'HOOKLINE_TEST_PG_URL is not set (run through npm test)' }, () => {
  let db: TestDataSource;
  before(async () => {
    db = await createTestDataSource('listener_retention');
    await db.dataSource.query(`CREATE SCHEMA "${SCHEMA}"`);
    await db.dataSource.query(`CREATE TABLE "${SCHEMA}".things (id numeric PRIMARY KEY, last_modified timestamptz NOT NULL)`);
  });
  after(async () => {
    await db?.drop();
  });

  it('publishes each batch’s audit before its delete commits: a failed publish leaves the batch for the next sweep', async () => {
    // Five records past the retention, one within it.
    await db.dataSource.query(`INSERT INTO "${SCHEMA}".things (id, last_modified) SELECT g, now() - interval '2 hours' FROM generate_series(1, 5) g`);
    await db.dataSource.query(`INSERT INTO "${SCHEMA}".things (id, last_modified) VALUES (100, now())`);
    const audits: RegistryChange[] = [];
    let failing = true;
    const publisher = {
      publish: async (_channel: string, _subject: string, change: RegistryChange) => {
        if (failing) throw new Error('could not publish: the broker is unreachable');
        audits.push(change);
        return { stream: 'HOOKLINE_REGISTRY', seq: audits.length, duplicate: false };
      },
    } as unknown as JetStreamPublisher;
    const warnings: { fields: Record<string, unknown>; msg: string }[] = [];
    const logger = { warn: (fields: Record<string, unknown>, msg: string) => warnings.push({ fields, msg }), info: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;
    const views = { view: { all: () => [listener], onDeleted: () => undefined } } as unknown as ListenersViewProvider;
    const config = { purgeBatch: 2, retentionSweepMs: 60_000 } as WebhookListenerConfig;
    const job = new RetentionJob(new RetentionRepository(db.dataSource), new LogsRepository(db.dataSource), views, publisher, config, logger);
    const ids = async () => ((await db.dataSource.query(`SELECT id::int AS id FROM "${SCHEMA}".things ORDER BY id`)) as { id: number }[]).map((r) => r.id);

    // The audit cannot be published: the batch's delete is rolled back, nothing is gone unaudited.
    await job.sweep();
    assert.equal(audits.length, 0);
    assert.deepEqual(await ids(), [1, 2, 3, 4, 5, 100]);
    assert.ok(warnings.some((w) => w.fields.listenerId === listener.id && /could not publish/.test(String(w.fields.err))), JSON.stringify(warnings));

    // The broker is back: the next sweep purges them, and every record that went is audited.
    failing = false;
    await job.sweep();
    assert.deepEqual(await ids(), [100]);
    assert.equal(audits.reduce((n, c) => n + Number(c.detail?.count), 0), 5);
    assert.ok(audits.every((c) => c.action === 'purged' && c.entityId === listener.id && c.detail?.listener === 'things'));
    assert.equal(audits.length, 3, 'one audit per batch');
    assert.equal(new Set(audits.map((c) => c.id)).size, 3, 'each with a message id of its own');
  });
});
