// PostgreSQL's background work between two snapshots, and how a scenario's note says it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backgroundDelta, backgroundLine, type PgBackground } from './pg-stats';

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
