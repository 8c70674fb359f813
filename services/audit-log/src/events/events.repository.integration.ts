// audit_events against a real PostgreSQL: migrations, idempotent batch insert, keyset pages.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { uuidv7, type HostEvent } from '@hookline/contracts';
import { runMigrations } from '@hookline/persistence';
import { createTestDataSource, sharedPostgresUrl, type TestDataSource } from '@hookline/testing';
import { StoredEvent } from './entities/stored-event.entity';
import { EventsRepository } from './events.repository';

const adminUrl = sharedPostgresUrl();

function ev(tenantId: string, i: number, at: number): HostEvent {
  return { id: uuidv7(at), tenantId, topic: 'T.x', object: { type: 't', id: String(i) }, data: { i }, receivedAt: new Date(at).toISOString(), publishedBy: 'test' };
}

describe('EventsRepository', { skip: !adminUrl && 'HOOKLINE_TEST_PG_URL is not set (run through npm test)' }, () => {
  let db: TestDataSource;
  let repo: EventsRepository;
  before(async () => {
    db = await createTestDataSource('audit', { entities: [StoredEvent] });
    assert.ok(db.migrations.length > 0);
    assert.deepEqual(await runMigrations(db.url), [], 'a second run applies nothing');
    repo = new EventsRepository(db.dataSource.getRepository(StoredEvent));
  });
  after(async () => {
    await db?.drop();
  });

  it('stores each event once however often it arrives', async () => {
    const e = ev('t-once', 1, Date.now());
    await repo.insertMany([{ event: e, streamSeq: 1 }, { event: e, streamSeq: 1 }]);
    await repo.insertMany([{ event: e, streamSeq: 2 }]);
    assert.equal((await repo.list('t-once', {}, 10)).length, 1);
  });

  it('pages newest first without gaps or repeats, per tenant', async () => {
    const base = Date.now() - 100_000;
    const all = Array.from({ length: 25 }, (_, i) => ev('t-pages', i, base + i * 10));
    await repo.insertMany(all.map((event, i) => ({ event, streamSeq: i })));
    await repo.insertMany([{ event: ev('t-other', 0, base), streamSeq: 99 }]);
    const seen: string[] = [];
    let after: { at: string; id: string } | undefined;
    for (;;) {
      const page = await repo.list('t-pages', {}, 7, after);
      seen.push(...page.map((p) => p.id));
      if (page.length < 7) break;
      const last = page[page.length - 1];
      after = { at: last.receivedAt.toISOString(), id: last.id };
    }
    assert.deepEqual(seen, all.map((e) => e.id).reverse());
    const filtered = await repo.list('t-pages', { objectId: '3' }, 10);
    assert.equal(filtered.length, 1);
  });
});
