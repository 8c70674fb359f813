// PostgreSQL's background work between two snapshots, and how a scenario's note says it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backgroundDelta, backgroundLine, type PgBackground } from './pg-stats';

const at = (over: Partial<PgBackground>): PgBackground => ({ checkpoints: 3, buffersCheckpoint: 100, buffersClean: 10, buffersBackend: 5, autoRuns: {}, ...over });

describe('PostgreSQL background work in a window', () => {
  it('counts what happened between the snapshots, and only the tables autovacuum visited meanwhile', () => {
    const before = at({ autoRuns: { 'public.audit_events': 2, 'public.deliveries': 1 } });
    const after = at({ checkpoints: 4, buffersCheckpoint: 1300, buffersClean: 12, buffersBackend: 9, autoRuns: { 'public.audit_events': 4, 'public.deliveries': 1, 'tenant_x.orders': 1 } });
    assert.deepEqual(backgroundDelta(before, after), {
      checkpoints: 1,
      buffersCheckpoint: 1200,
      buffersClean: 2,
      buffersBackend: 4,
      autoRuns: { 'public.audit_events': 2, 'tenant_x.orders': 1 },
    });
  });

  it('says it in one line, the busiest tables first', () => {
    const line = backgroundLine({ checkpoints: 1, buffersCheckpoint: 1200, buffersClean: 2, buffersBackend: 4, autoRuns: { 'tenant_x.orders': 1, 'public.audit_events': 2 } });
    assert.equal(line, '1 checkpoint started, buffers written by the checkpointer 1200, the background writer 2, backends 4; autovacuum/analyze of public.audit_events ×2, tenant_x.orders');
    assert.match(backgroundLine(at({ checkpoints: 0, autoRuns: {} })), /^0 checkpoints started, .*; no autovacuum$/);
  });
});
