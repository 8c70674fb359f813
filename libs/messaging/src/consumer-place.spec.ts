import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { placeRepair, RESTART_MARGIN_MS, type PlaceFacts } from './consumer-place';

const facts = (over: Partial<PlaceFacts>): PlaceFacts => ({ retention: 'limits', streamLastSeq: 100, delivered: 90, ackFloor: 80, startAt: 'all', ...over });

describe('placeRepair', () => {
  it('a consumer within its stream, at or behind the floor it had, is fine', () => {
    assert.deepEqual(placeRepair(facts({})), { kind: 'ok' });
    assert.deepEqual(placeRepair(facts({ rememberedFloor: 80 })), { kind: 'ok' });
    assert.deepEqual(placeRepair(facts({ rememberedFloor: 70 })), { kind: 'ok' }, 'a floor that moved on since');
    assert.deepEqual(placeRepair(facts({ delivered: 100, ackFloor: 100 })), { kind: 'ok' }, 'delivered up to the last message');
  });

  it('ahead of a work queue (renumbered from 0 after a crash): created again to read all the queue holds', () => {
    const r = placeRepair(facts({ retention: 'workqueue', streamLastSeq: 0, delivered: 19_017, ackFloor: 19_017, lostAtMs: 1_000_000 }));
    assert.ok(r.kind === 'ahead');
    assert.deepEqual(r.start, { deliver_policy: 'all' });
    assert.match(r.why, /19017, past the stream's last \(0\)/);
  });

  it('ahead of a kept stream: from shortly before the connection was lost, or where a new consumer would start', () => {
    const lostAtMs = Date.UTC(2026, 11, 6, 12);
    const r = placeRepair(facts({ streamLastSeq: 50, delivered: 90, lostAtMs }));
    assert.deepEqual(r.kind !== 'ok' && r.start, { deliver_policy: 'by_start_time', opt_start_time: new Date(lostAtMs - RESTART_MARGIN_MS).toISOString() });
    const unknown = placeRepair(facts({ streamLastSeq: 50, delivered: 90 }));
    assert.deepEqual(unknown.kind !== 'ok' && unknown.start, { deliver_policy: 'all' });
    const fresh = placeRepair(facts({ streamLastSeq: 50, delivered: 90, startAt: 'new' }));
    assert.deepEqual(fresh.kind !== 'ok' && fresh.start, { deliver_policy: 'new' });
  });

  it('a kept stream whose consumer went back behind the floor it had: created again right after that floor', () => {
    const r = placeRepair(facts({ ackFloor: 0, delivered: 0, rememberedFloor: 80 }));
    assert.ok(r.kind === 'reset');
    assert.deepEqual(r.start, { deliver_policy: 'by_start_sequence', opt_start_seq: 81 });
  });

  it('a work queue going back, or a floor remembered past the stream (renumbered), is not a reset', () => {
    assert.deepEqual(placeRepair(facts({ retention: 'workqueue', ackFloor: 0, delivered: 0, rememberedFloor: 80 })), { kind: 'ok' });
    assert.deepEqual(placeRepair(facts({ ackFloor: 10, delivered: 20, streamLastSeq: 30, rememberedFloor: 80 })), { kind: 'ok' });
  });
});
