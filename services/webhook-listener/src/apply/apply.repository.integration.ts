// The apply's key lookups against a real PostgreSQL, on tables filled faster than
// autovacuum analyzes them (a new listener's, in a burst): once TableStatistics has
// looked at them, every statement that joins a batch's keys to a table finds them through
// its primary key (with KEY_LOOKUP_COSTS), instead of a hash join over a scan of the
// whole table (or a scan of the listener's whole part of the versions' retention index).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tenantSchema, type ListenerChangeState } from '@hookline/contracts';
import { deleteChildrenSql, deleteRootsSql, existingKeysSql, generateStructure, KEY_LOOKUP_COSTS, migrationSql, patchRootsSql, planMigration, qualified, type Sql } from '@hookline/listener-tables';
import type { Logger } from '@hookline/observability';
import { createTestDataSource, sharedPostgresUrl, type TestDataSource } from '@hookline/testing';
import { recordVersionsSql } from './apply.repository';
import { TableStatistics, writtenTables } from './table-statistics';

const adminUrl = sharedPostgresUrl();
const LISTENER = '018f0000-0000-8000-8000-0000000000a1';
const ROWS = 20_000;
const TENANT = 'apply-int';

/** The scans of a plan (EXPLAIN's JSON), as "<node type> on <relation>". */
function scans(plan: unknown): string[] {
  const out: string[] = [];
  const walk = (node: Record<string, unknown>) => {
    if (typeof node['Relation Name'] === 'string') out.push(`${String(node['Node Type'])} on ${node['Relation Name']}`);
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  walk((plan as { Plan: Record<string, unknown> }[])[0].Plan);
  return out;
}

describe('the apply’s key lookups on tables without statistics', { skip: !adminUrl && 'HOOKLINE_TEST_PG_URL is not set (run through npm test)' }, () => {
  let db: TestDataSource;
  const schema = tenantSchema(TENANT);
  const { structure } = generateStructure({ sample: { id: 1, status: 'paid', lines: [{ sku: 'a', qty: 1 }] }, baseName: 'orders' });
  const [root, lines] = structure.tables;
  const batch = Array.from({ length: 200 }, (_, i) => ({ id: ROWS + 1 + i * 3 }));
  const statements: [string, Sql][] = [
    ['versions', recordVersionsSql(batch.map(() => LISTENER), batch.map((k) => `[${k.id}]`))],
    ['child rows', deleteChildrenSql(schema, structure, lines, batch)],
    ['roots', deleteRootsSql(schema, structure, batch)],
    ['patches', patchRootsSql(schema, structure, ['status'], batch.map((k) => ({ ...k, status: 'x', last_modified: new Date().toISOString() })))],
    ['existing keys', existingKeysSql(schema, structure, batch)],
  ];

  before(async () => {
    db = await createTestDataSource('apply_plans');
    for (const sql of migrationSql(schema, structure, planMigration(null, structure).ops)) await db.dataSource.query(sql);
    const q = (t: string) => `"${schema}"."${t}"`;
    for (const t of [q(root.name), q(lines.name), 'listener_record_versions']) await db.dataSource.query(`ALTER TABLE ${t} SET (autovacuum_enabled = false)`);
    await db.dataSource.query(`INSERT INTO ${q(root.name)} (id, status, last_modified) SELECT g, 'paid', now() FROM generate_series(1, $1::int) g`, [ROWS]);
    await db.dataSource.query(`INSERT INTO ${q(lines.name)} ("_root_id", "_pos1", sku, qty) SELECT g, p, 'a', 1 FROM generate_series(1, $1::int) g, generate_series(0, 1) p`, [ROWS]);
    await db.dataSource.query(
      `INSERT INTO listener_record_versions (listener_id, record_key, tenant_id, seq, deleted, updated_at) SELECT $1::uuid, '[' || g || ']', 'apply-int', g, false, now() FROM generate_series(1, $2::int) g`,
      [LISTENER, ROWS],
    );
  });
  after(async () => {
    await db?.drop();
  });

  const explain = (sql: Sql) =>
    db.dataSource.transaction(async (em) => {
      await em.query(KEY_LOOKUP_COSTS);
      const r: { 'QUERY PLAN': unknown }[] = await em.query(`EXPLAIN (FORMAT JSON) ${sql.text}`, sql.values);
      return scans(r[0]['QUERY PLAN']);
    });
  const quiet = { info: () => undefined, warn: () => undefined } as unknown as Logger;

  it('analyzes the tables never analyzed once they hold something, and only those: every lookup then goes through the primary key', async () => {
    const stats = new TableStatistics(db.dataSource, quiet);
    const small = qualified(schema, 'small');
    await db.dataSource.query(`CREATE TABLE ${small} (id int PRIMARY KEY)`);
    await db.dataSource.query(`INSERT INTO ${small} SELECT generate_series(1, 10)`);
    // What the apply hands it after a batch of the listener's changes, and two more.
    const written = writtenTables([{ tenant: TENANT, structure } as ListenerChangeState, undefined]);
    assert.deepEqual(written, ['listener_record_versions', qualified(schema, root.name), qualified(schema, lines.name)]);
    const tables = [...written, small, qualified(schema, 'gone')];
    const analyzed = await stats.check(tables);
    assert.deepEqual(analyzed.sort(), tables.slice(0, 3).sort());
    for (const [what, sql] of statements) {
      const found = await explain(sql);
      assert.ok(found.length > 0, `${what}: a plan that reads a table`);
      assert.deepEqual(found.filter((s) => s.startsWith('Seq Scan') || s.endsWith('listener_record_versions_age')), [], `${what}: ${found.join(', ')}`);
    }
    // Analyzed, gone or still small: asked about again only while small.
    await db.dataSource.query(`INSERT INTO ${small} SELECT generate_series(11, 20000)`);
    assert.deepEqual(await stats.check(tables), [small]);
    assert.deepEqual(await stats.check(tables), []);
  });
});
