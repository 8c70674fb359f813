import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bulkFilterOf, bulkResendView } from './bulk-resends.service';
import { bulkPageSize } from './bulk-resends.worker';

const askedAt = new Date('2026-06-01T12:00:00.000Z');

describe('bulkFilterOf', () => {
  it('without a status: the three resendable ones; never anything created after the request', () => {
    assert.deepEqual(bulkFilterOf({ target: 'r1' }, askedAt), { target: 'r1', statuses: ['succeeded', 'failed', 'scheduled'], to: askedAt });
  });
  it('keeps an earlier end and the other filters', () => {
    const f = bulkFilterOf({ kind: 'push', topic: 'A.b', status: 'failed', from: '2026-05-01', to: '2026-05-02' }, askedAt);
    assert.deepEqual(f, { kind: 'push', topic: 'A.b', status: 'failed', from: new Date('2026-05-01'), to: new Date('2026-05-02') });
  });
  it('a later end is cut at the request', () => {
    assert.deepEqual(bulkFilterOf({ to: '2030-01-01' }, askedAt).to, askedAt);
  });
});

describe('bulkResendView', () => {
  it('estimates what is left at the paced rate while running', () => {
    const row = { id: 'j', tenant_id: 't', requested_by: { kind: 'operator' } as never, filter: {}, status: 'running' as const, total: 100, sent: 40, skipped: 10, cursor_at: null, cursor_id: null, created_at: askedAt, updated_at: askedAt, finished_at: null };
    assert.equal(bulkResendView(row, 10).estimatedSecondsLeft, 6);
    assert.equal('estimatedSecondsLeft' in bulkResendView({ ...row, status: 'done' }, 10), false);
  });
});

describe('bulkPageSize', () => {
  it('about a second of sends, so whoever asked is looked up again about every second', () => {
    assert.equal(bulkPageSize(50), 50);
    assert.equal(bulkPageSize(2), 2);
    assert.equal(bulkPageSize(0.5), 1);
    assert.equal(bulkPageSize(1000), 100, 'never more than a page');
  });
});
