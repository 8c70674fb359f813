import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pushDeliveryIdFor, type HostEvent, type PushFlagView, type PushSettingsView, type PushTypeView, type RegistryChange, type UnitView } from '@hookline/contracts';
import { RegistryView } from '@hookline/registry-view';
import { pushBody, pushFanOut } from './push-fan-out';

const now = '2026-01-01T00:00:00.000Z';
let seq = 0;
function change(entity: string, entityId: string, after: unknown, action = 'created', before: unknown = null): RegistryChange {
  return { id: `c${++seq}`, tenantId: 't', entity: entity as RegistryChange['entity'], entityId, action: action as RegistryChange['action'], actor: { kind: 'operator' }, at: now, before: before as Record<string, unknown> | null, after: after as Record<string, unknown> | null };
}
const unit = (id: string, path: string[]): UnitView => ({ id, tenant: 't', name: id, parentId: path.length > 1 ? path[path.length - 2] : null, path, createdAt: now, updatedAt: now });
const settings = (url: string | null): PushSettingsView => ({ tenant: 't', notification_server_url: url, notification_jwt_set: true, notification_days_before: 7, createdAt: now, updatedAt: now });
const type = (name: string, topic: string): PushTypeView => ({ tenant: 't', type: name, topic, description: null, example: null, createdAt: now, updatedAt: now });
const flag = (typeName: string, unitId: string | null, enabled: boolean): PushFlagView => ({ tenant: 't', type: typeName, unit: unitId, enabled, updatedAt: now });
const event = (topic: string, unitId?: string): HostEvent => ({ id: 'e1', tenantId: 't', topic, object: { type: 'appointment', id: '9', ...(unitId ? { unit: unitId } : {}) }, data: { at: '10:00' }, receivedAt: now, publishedBy: 'test' });

/** Units: north > oslo > sentrum, south. Type booked on Appointments.Booked, cancelled on Appointments.Cancelled. */
function view(flags: [string | null, boolean][] = [], url: string | null = 'https://push.example/notify'): RegistryView {
  const v = new RegistryView();
  let n = 0;
  const apply = (c: RegistryChange) => v.apply(c, ++n);
  apply(change('unit', 'north', unit('north', ['north'])));
  apply(change('unit', 'oslo', unit('oslo', ['north', 'oslo'])));
  apply(change('unit', 'sentrum', unit('sentrum', ['north', 'oslo', 'sentrum'])));
  apply(change('unit', 'south', unit('south', ['south'])));
  apply(change('push-settings', 'global', settings(url)));
  apply(change('push-type', 'appointment.booked', type('appointment.booked', 'Appointments.Booked')));
  apply(change('push-type', 'appointment.cancelled', type('appointment.cancelled', 'Appointments.Cancelled')));
  for (const [u, enabled] of flags) apply(change('push-flag', `appointment.booked@${u ?? '*'}`, flag('appointment.booked', u, enabled)));
  return v;
}

const decide = (v: RegistryView, unitId?: string) => {
  const [d, ...rest] = pushFanOut(v, event('Appointments.Booked', unitId));
  assert.equal(rest.length, 0);
  return d.send ? 'send' : d.reason;
};

describe('pushFanOut: the enable flags', () => {
  // [explicit flags, the object's unit, expected: 'send' or a pattern of the reason]
  const table: [string, [string | null, boolean][], string | undefined, 'send' | RegExp][] = [
    ['nothing set: off by default', [], 'oslo', /disabled for unit oslo by the default \(off\)/],
    ['global on', [[null, true]], 'oslo', 'send'],
    ['global on, outside any unit', [[null, true]], undefined, 'send'],
    ['global off', [[null, false]], 'oslo', /disabled for unit oslo by the global flag/],
    ['global on, the unit itself off', [[null, true], ['oslo', false]], 'oslo', /by the flag of unit oslo/],
    ['global off, the unit itself on', [[null, false], ['oslo', true]], 'oslo', 'send'],
    ['global off, the parent on: inherited', [[null, false], ['north', true]], 'sentrum', 'send'],
    ['global on, the parent off: inherited', [[null, true], ['north', false]], 'sentrum', /by the flag of the parent unit north/],
    ['the nearest ancestor wins', [['north', false], ['oslo', true]], 'sentrum', 'send'],
    ['the nearest ancestor wins, the other way', [['north', true], ['oslo', false]], 'sentrum', /parent unit oslo/],
    ['the unit own value beats its parent', [['oslo', true], ['sentrum', false]], 'sentrum', /by the flag of unit sentrum/],
    ['a unit flag does not reach a sibling tree', [[null, false], ['north', true]], 'south', /by the global flag/],
    ['a unit flag does not reach objects outside any unit', [['north', true]], undefined, /an object outside any unit by the default/],
    ['an unknown unit is only itself', [[null, true], ['ghost', false]], 'ghost', /by the flag of unit ghost/],
  ];
  for (const [name, flags, unitId, expected] of table) {
    it(name, () => {
      const got = decide(view(flags), unitId);
      if (expected === 'send') assert.equal(got, 'send');
      else assert.match(got, expected);
    });
  }
});

describe('pushFanOut: types, settings and changes', () => {
  it('only the types mapped to the event topic', () => {
    const v = view([[null, true]]);
    assert.deepEqual(pushFanOut(v, event('Appointments.Cancelled', 'oslo')).map((d) => [d.type.type, d.send]), [['appointment.cancelled', false]]);
    assert.deepEqual(pushFanOut(v, event('Visits.Completed', 'oslo')), []);
  });
  it('an enabled type without notification_server_url is filtered, saying so', () => {
    assert.match(decide(view([[null, true]], null), 'oslo'), /notification_server_url is not set/);
  });
  it('sends to the URL in the settings', () => {
    const [d] = pushFanOut(view([[null, true]]), event('Appointments.Booked', 'oslo'));
    assert.ok(d.send && d.url === 'https://push.example/notify');
  });
  it('follows flag changes and removals as they arrive', () => {
    const v = view([[null, true], ['north', false]]);
    assert.notEqual(decide(v, 'oslo'), 'send');
    v.apply(change('push-flag', 'appointment.booked@north', null, 'deleted', flag('appointment.booked', 'north', false)), 100);
    assert.equal(decide(v, 'oslo'), 'send');
    v.apply(change('push-flag', 'appointment.booked@*', flag('appointment.booked', null, false), 'updated'), 101);
    assert.notEqual(decide(v, 'oslo'), 'send');
  });
  it('a deleted type triggers nothing, and its flags go with it', () => {
    const v = view([[null, true]]);
    v.apply(change('push-type', 'appointment.booked', null, 'deleted', type('appointment.booked', 'Appointments.Booked')), 100);
    assert.deepEqual(pushFanOut(v, event('Appointments.Booked', 'oslo')), []);
    v.apply(change('push-type', 'appointment.booked', type('appointment.booked', 'Appointments.Booked')), 101);
    assert.match(decide(v, 'oslo'), /default/);
  });
  it('a type moved to another topic follows it', () => {
    const v = view([[null, true]]);
    v.apply(change('push-type', 'appointment.booked', type('appointment.booked', 'Bookings.New'), 'updated'), 100);
    assert.deepEqual(pushFanOut(v, event('Appointments.Booked', 'oslo')), []);
    assert.equal(pushFanOut(v, event('Bookings.New', 'oslo'))[0].send, true);
  });
  it('ignores the purge records of the retry-scheduler', () => {
    const v = view([[null, true]]);
    v.apply({ ...change('push-notification', 'appointment.booked', null, 'purged'), actor: { kind: 'system', reason: 'expiry' } }, 100);
    assert.equal(decide(v, 'oslo'), 'send');
  });
});

describe('pushBody', () => {
  it('names the type and the notification, and carries the object and data', () => {
    assert.deepEqual(JSON.parse(pushBody('appointment.booked', event('Appointments.Booked', 'oslo'))), {
      type: 'appointment.booked',
      id: pushDeliveryIdFor('e1', 'appointment.booked'),
      eventId: 'e1',
      tenant: 't',
      occurredAt: now,
      object: { type: 'appointment', id: '9', unit: 'oslo' },
      data: { at: '10:00' },
    });
  });
  it('one notification id per (event, type): stable, and distinct from a webhook delivery of the same event', () => {
    assert.equal(pushDeliveryIdFor('e1', 'a'), pushDeliveryIdFor('e1', 'a'));
    assert.notEqual(pushDeliveryIdFor('e1', 'a'), pushDeliveryIdFor('e1', 'b'));
    assert.notEqual(pushDeliveryIdFor('e1', 'a'), pushDeliveryIdFor('e2', 'a'));
  });
});
