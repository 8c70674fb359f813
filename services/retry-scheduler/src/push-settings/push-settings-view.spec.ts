import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NOTIFICATION_DAYS_BEFORE, type RegistryChange } from '@hookline/contracts';
import { PushSettingsState } from './push-settings-view';

let n = 0;
const change = (tenantId: string, entity: string, after: Record<string, unknown> | null, action = 'updated'): RegistryChange => ({
  id: `c${++n}`,
  tenantId,
  entity: entity as RegistryChange['entity'],
  entityId: 'global',
  action: action as RegistryChange['action'],
  actor: { kind: 'operator' },
  at: '2026-01-01T00:00:00.000Z',
  before: null,
  after,
});

describe('PushSettingsState', () => {
  it('the default until a tenant sets notification_days_before, then the current value', () => {
    const s = new PushSettingsState();
    assert.equal(s.daysBefore('acme'), DEFAULT_NOTIFICATION_DAYS_BEFORE);
    assert.equal(s.apply(change('acme', 'push-settings', { notification_days_before: 3 }, 'created'), 1), true);
    assert.equal(s.daysBefore('acme'), 3);
    assert.equal(s.daysBefore('globex'), DEFAULT_NOTIFICATION_DAYS_BEFORE);
    assert.equal(s.apply(change('acme', 'push-settings', { notification_days_before: 1 }), 2), true);
    assert.equal(s.daysBefore('acme'), 1);
    assert.deepEqual(s.configured(), [['acme', 1]]);
  });
  it('says whether the days changed (a sweep is due) and ignores replays and other entities', () => {
    const s = new PushSettingsState();
    s.apply(change('acme', 'push-settings', { notification_days_before: 3 }), 1);
    assert.equal(s.apply(change('acme', 'push-settings', { notification_days_before: 3, notification_server_url: 'https://x' }), 2), false);
    assert.equal(s.apply(change('acme', 'push-settings', { notification_days_before: 9 }), 2), false, 'an already applied sequence');
    assert.equal(s.apply(change('acme', 'unit', { notification_days_before: 9 }), 3), false);
    assert.equal(s.apply(change('acme', 'push-settings', { notification_days_before: -1 }), 4), false);
    assert.equal(s.daysBefore('acme'), 3);
  });
  it('forgets a deleted tenant', () => {
    const s = new PushSettingsState();
    s.apply(change('acme', 'push-settings', { notification_days_before: 3 }), 1);
    s.apply(change('acme', 'tenant', null, 'deleted'), 2);
    assert.equal(s.daysBefore('acme'), DEFAULT_NOTIFICATION_DAYS_BEFORE);
  });
});
