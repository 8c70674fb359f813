import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { upgradeDeliveryMessage } from './delivery';
import { stableUuid } from './ids';
import { describePushFlagSource, pushDeliveryIdFor, pushFlagEntityId, resolvePushFlag, type EffectivePushFlag, type PushFlags } from './push';
import { parseRegistryChange, redactSecrets } from './registry';

const flags = (global: boolean | undefined, units: [string, boolean][] = []): PushFlags => (global === undefined ? { units: new Map(units) } : { global, units: new Map(units) });

describe('resolvePushFlag: the unit wins, else the nearest ancestor, else global, else off', () => {
  const path = ['north', 'oslo', 'sentrum'];
  const table: [string, PushFlags, readonly string[] | undefined, EffectivePushFlag][] = [
    ['nothing set', flags(undefined), path, { enabled: false, source: { kind: 'default' } }],
    ['global on', flags(true), path, { enabled: true, source: { kind: 'global' } }],
    ['global off', flags(false), path, { enabled: false, source: { kind: 'global' } }],
    ['the unit itself', flags(true, [['sentrum', false]]), path, { enabled: false, source: { kind: 'unit', unit: 'sentrum', inherited: false } }],
    ['the parent', flags(false, [['oslo', true]]), path, { enabled: true, source: { kind: 'unit', unit: 'oslo', inherited: true } }],
    ['the root', flags(undefined, [['north', true]]), path, { enabled: true, source: { kind: 'unit', unit: 'north', inherited: true } }],
    ['the nearest of two ancestors', flags(undefined, [['north', true], ['oslo', false]]), path, { enabled: false, source: { kind: 'unit', unit: 'oslo', inherited: true } }],
    ['a unit off under a parent on', flags(undefined, [['north', true], ['sentrum', false]]), path, { enabled: false, source: { kind: 'unit', unit: 'sentrum', inherited: false } }],
    ['another subtree does not count', flags(false, [['south', true]]), path, { enabled: false, source: { kind: 'global' } }],
    ['outside any unit: only global', flags(true, [['north', false]]), undefined, { enabled: true, source: { kind: 'global' } }],
    ['outside any unit, nothing global', flags(undefined, [['north', true]]), [], { enabled: false, source: { kind: 'default' } }],
  ];
  for (const [name, f, p, expected] of table) it(name, () => assert.deepEqual(resolvePushFlag(f, p), expected));

  it('says where a value came from', () => {
    assert.equal(describePushFlagSource({ kind: 'unit', unit: 'oslo', inherited: true }), 'the flag of the parent unit oslo');
    assert.equal(describePushFlagSource({ kind: 'unit', unit: 'oslo', inherited: false }), 'the flag of unit oslo');
    assert.equal(describePushFlagSource({ kind: 'global' }), 'the global flag');
    assert.equal(describePushFlagSource({ kind: 'default' }), 'the default (off)');
  });
});

describe('push ids', () => {
  it('flags', () => {
    assert.equal(pushFlagEntityId('appointment.booked', null), 'appointment.booked@*');
    assert.equal(pushFlagEntityId('appointment.booked', 'north'), 'appointment.booked@north');
  });
  it('notification ids are the ones earlier versions derived (an upgrade sends nothing twice)', () => {
    // Version 0.1 derived it as stableUuid('delivery', eventId, 'push:' + type).
    assert.equal(pushDeliveryIdFor('e1', 'visit.completed'), stableUuid('delivery', 'e1', 'push:visit.completed'));
    assert.notEqual(pushDeliveryIdFor('e1', 'visit.completed'), pushDeliveryIdFor('e1', 'visit.cancelled'));
  });
  it('an order of an earlier version names its target and source in the current shape', () => {
    const legacy = { deliveryId: 'd', tenantId: 't', kind: 'push', eventId: 'e', topic: 'A.B', receiverId: 'push:visit.completed', attempt: 2, body: '{}', createdAt: 'x' };
    assert.deepEqual(upgradeDeliveryMessage(legacy), { deliveryId: 'd', tenantId: 't', kind: 'push', target: 'visit.completed', source: { eventId: 'e', topic: 'A.B' }, attempt: 2, body: '{}', createdAt: 'x' });
    const webhook = { type: 'created', kind: 'webhook', receiverId: 'r1', receiverName: 'CRM', eventId: 'e', topic: 'A.B' };
    assert.deepEqual(upgradeDeliveryMessage(webhook), { type: 'created', kind: 'webhook', target: 'r1', targetName: 'CRM', source: { eventId: 'e', topic: 'A.B' } });
    const current = { kind: 'webhook', target: 'r1' };
    assert.equal(upgradeDeliveryMessage(current), current);
  });
});

describe('push changes on the registry stream', () => {
  const base = { id: 'i', tenantId: 't', actor: { kind: 'operator' }, at: new Date().toISOString(), before: null, after: {} };
  it('are accepted for every push entity, and purges by the system', () => {
    for (const entity of ['push-settings', 'push-type', 'push-flag']) assert.equal(parseRegistryChange({ ...base, entity, entityId: 'x', action: 'updated' }).entity, entity);
    const purge = { ...base, entity: 'push-notification', entityId: 'appointment.booked', action: 'purged', actor: { kind: 'system', reason: 'expiry' }, after: null };
    assert.equal(parseRegistryChange(purge).action, 'purged');
  });
  it('a JWT would never survive redaction, whatever it is called', () => {
    assert.deepEqual(redactSecrets({ notification_jwt: 'eyJ', jwt: 'eyJ', notification_jwt_set: true }), { notification_jwt: '[redacted]', jwt: '[redacted]', notification_jwt_set: true });
  });
});
