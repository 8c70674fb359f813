import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { STREAMS } from '@hookline/contracts';
import { streamConfig } from './provisioner';

describe('streamConfig', () => {
  for (const spec of Object.values(STREAMS)) {
    for (const replicas of [1, 3]) {
      it(`${spec.name} with ${replicas} replica(s): file storage, its declared subjects and ages`, () => {
        const c = streamConfig(spec, replicas);
        assert.equal(c.num_replicas, replicas);
        assert.equal(c.storage, StorageType.File);
        assert.deepEqual(c.subjects, spec.subjects);
        assert.equal(c.retention, spec.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits);
        assert.equal(c.max_age, spec.maxAgeMs * 1_000_000);
      });
    }
  }
  it('keeps one copy unless asked for more', () => assert.equal(streamConfig(STREAMS.events).num_replicas, 1));
  it('clamps the duplicate window to the maximum age (JetStream refuses a longer one)', () => {
    const c = streamConfig({ name: 'S', subjects: ['s.>'], maxAgeMs: 60_000, duplicateWindowMs: 3_600_000, retention: 'limits' });
    assert.equal(c.duplicate_window, 60_000 * 1_000_000);
  });
});
