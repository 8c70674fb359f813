// PostgreSQL's background work between two snapshots, and how a scenario's note says it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backgroundDelta, backgroundLine, statementGroup, statementShares, statementSharesText, type PgBackground, type StatementCount } from './pg-stats';

const at = (over: Partial<PgBackground>): PgBackground => ({ checkpointsTimed: 3, checkpointsRequested: 1, buffersCheckpoint: 100, buffersClean: 10, buffersBackend: 5, walRecords: 1000, walFpi: 10, walBytes: 1048576, autoRuns: {}, ...over });

describe('PostgreSQL background work in a window', () => {
  it('counts what happened between the snapshots, and only the tables autovacuum visited meanwhile', () => {
    const before = at({ autoRuns: { 'public.audit_events': 2, 'public.deliveries': 1 } });
    const after = at({ checkpointsRequested: 2, buffersCheckpoint: 1300, buffersClean: 12, buffersBackend: 9, walRecords: 3500, walFpi: 40, walBytes: 4 * 1048576, autoRuns: { 'public.audit_events': 4, 'public.deliveries': 1, 'tenant_x.orders': 1 } });
    assert.deepEqual(backgroundDelta(before, after), {
      checkpointsTimed: 0,
      checkpointsRequested: 1,
      buffersCheckpoint: 1200,
      buffersClean: 2,
      buffersBackend: 4,
      walRecords: 2500,
      walFpi: 30,
      walBytes: 3 * 1048576,
      autoRuns: { 'public.audit_events': 2, 'tenant_x.orders': 1 },
    });
  });

  it('says it in one line, the busiest tables first', () => {
    const line = backgroundLine({ checkpointsTimed: 0, checkpointsRequested: 1, buffersCheckpoint: 1200, buffersClean: 2, buffersBackend: 4, walRecords: 2500, walFpi: 30, walBytes: 3.5 * 1048576, autoRuns: { 'tenant_x.orders': 1, 'public.audit_events': 2 } });
    assert.equal(line, 'checkpoints started 0 timed and 1 requested, buffers written by the checkpointer 1200, the background writer 2, backends 4; WAL 3.5 MB in 2500 records, 30 of them full-page images; autovacuum/analyze of public.audit_events ×2, tenant_x.orders');
    assert.match(backgroundLine(at({ checkpointsTimed: 0, checkpointsRequested: 0, autoRuns: {} })), /^checkpoints started 0 timed and 0 requested, .*; no autovacuum$/);
  });
});

describe('what a window’s statements cost, by table', () => {
  it('names a statement by what it does and to which table, without schema or quotes', () => {
    assert.equal(statementGroup('INSERT INTO audit_events (id, tenant_id) SELECT id FROM jsonb_to_recordset($1::jsonb)'), 'insert audit_events');
    assert.equal(statementGroup('INSERT INTO "tenant_bench-listener"."orders" ("id", "status")\n  VALUES ($1, $2) ON CONFLICT ("id") DO UPDATE SET x = 1'), 'insert orders');
    assert.equal(statementGroup('INSERT INTO "tenant_a"."we""ird" (a) VALUES ($1)'), 'insert we"ird');
    assert.equal(statementGroup('DELETE FROM "tenant_x"."orders_lines" AS c USING jsonb_to_recordset($1::jsonb) AS k(id int)'), 'delete orders_lines');
    assert.equal(statementGroup('UPDATE delivery_bulk_resends SET lease_until = now()'), 'update delivery_bulk_resends');
    assert.equal(statementGroup('WITH taken AS ( DELETE FROM delivery_schedule WHERE delivery_id IN ( SELECT delivery_id FROM x LIMIT $1) RETURNING *) UPDATE deliveries SET a = 1'), 'update deliveries');
    assert.equal(statementGroup('SELECT v.listener_id, v.seq FROM listener_record_versions v JOIN unnest($1::uuid[]) AS x(l) ON v.listener_id = x.l'), 'select listener_record_versions');
    assert.equal(statementGroup('SELECT $2 FROM ONLY "tenant_x"."orders" x WHERE "id" OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF x'), 'foreign-key checks');
    for (const q of ['START TRANSACTION', 'COMMIT', 'SAVEPOINT listener_writes', 'RELEASE SAVEPOINT listener_writes', 'SET LOCAL lock_timeout = 2000']) assert.equal(statementGroup(q), 'transaction control', q);
    assert.equal(statementGroup('SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT h FROM unnest($1::bigint[]) AS x(h)) s'), 'select pg_advisory_xact_lock');
    assert.equal(statementGroup('SELECT count(*) FROM deliveries WHERE tenant_id = $1'), 'select deliveries');
    assert.equal(statementGroup('VACUUM (ANALYZE)'), 'vacuum');
  });

  it('adds the statements up by group, per operation, the most time first', () => {
    const rows: StatementCount[] = [
      { query: 'INSERT INTO "t"."orders" (id) VALUES ($1)', calls: 10, ms: 290, walBytes: 9_550_000 },
      { query: 'INSERT INTO "t"."orders" (id, a) VALUES ($1, $2)', calls: 5, ms: 10, walBytes: 50_000 },
      { query: 'INSERT INTO audit_events (id) SELECT 1', calls: 6, ms: 520, walBytes: 20_720_000 },
      { query: 'COMMIT', calls: 14, ms: 5, walBytes: 0 },
    ];
    const shares = statementShares(rows, 10_000);
    assert.deepEqual(shares.map((s) => s.group), ['insert audit_events', 'insert orders', 'transaction control']);
    assert.deepEqual(shares[1], { group: 'insert orders', callsPerOp: 0.0015, usPerOp: 30, walBytesPerOp: 960 });
    assert.equal(statementSharesText(shares, 'request', 3993.6, 2), '83 µs executing statements per request (insert audit_events 52, insert orders 30, the rest 1), WAL 3.9 KB per request');
    assert.equal(statementSharesText(shares, 'request', 3993.6), '83 µs executing statements per request (insert audit_events 52, insert orders 30, transaction control 1), WAL 3.9 KB per request');
    assert.deepEqual(statementShares(rows, 0), [], 'no operation, no share (not a division by zero)');
  });
});
