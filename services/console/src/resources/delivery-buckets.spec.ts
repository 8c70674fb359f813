import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bucketDeliveries } from './delivery-buckets';

describe('bucketDeliveries', () => {
  it('nothing: no buckets', () => assert.deepEqual(bucketDeliveries([], 12), { buckets: [], statuses: [] }));

  it('counts each status per bucket, in time order, with empty buckets between', () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString();
    const { buckets, statuses, bucketLabel } = bucketDeliveries(
      [
        { createdAt: at(0), status: 'succeeded' },
        { createdAt: at(0), status: 'failed' },
        { createdAt: at(3), status: 'succeeded' },
        { createdAt: at(9), status: 'scheduled' },
      ],
      12,
      Date.UTC(2026, 0, 1, 12, 0, 9, 500),
    );
    assert.equal(bucketLabel, '1 s');
    assert.deepEqual(statuses, ['failed', 'scheduled', 'succeeded']);
    assert.equal(buckets.length, 10);
    assert.equal(buckets[0].label, '12:00:00');
    assert.deepEqual(
      buckets.filter((b) => b.succeeded || b.failed || b.scheduled).map((b) => [b.label, b.succeeded, b.failed, b.scheduled]),
      [
        ['12:00:00', 1, 1, 0],
        ['12:00:03', 1, 0, 0],
        ['12:00:09', 0, 0, 1],
      ],
    );
  });

  it('the window reaches now, and a lone delivery is one bar among at least six', () => {
    const t = Date.UTC(2026, 0, 1, 12, 0, 0);
    const { buckets, bucketLabel } = bucketDeliveries([{ createdAt: new Date(t).toISOString(), status: 'failed' }], 12, t + 2000);
    assert.equal(bucketLabel, '1 s');
    assert.equal(buckets.length, 6);
    assert.deepEqual(buckets.map((b) => b.failed), [0, 0, 0, 1, 0, 0]);
    assert.equal(buckets.at(-1)?.label, '12:00:02');
  });

  it('a wider span takes wider buckets, never more than asked', () => {
    const base = Date.UTC(2026, 0, 1);
    const ds = Array.from({ length: 50 }, (_, i) => ({ createdAt: new Date(base + i * 3600_000).toISOString(), status: 'succeeded' as const }));
    const { buckets, bucketLabel } = bucketDeliveries(ds, 12, base + 49 * 3600_000);
    assert.equal(bucketLabel, '6 h');
    assert.ok(buckets.length <= 12);
    assert.equal(buckets.reduce((n, b) => n + (b.succeeded as number), 0), 50);
  });
});
