import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RECEIVER_CREATION_GRACE_MS, type AccountView, type HostEvent, type ReceiverView, type RegistryChange, type UnitView } from '@hookline/contracts';
import { RegistryView } from '@hookline/registry-view';
import { fanOut, receiversFor, webhookBody } from './fan-out';

const now = '2026-01-01T00:00:00.000Z';
let seq = 0;
function change(entity: string, entityId: string, after: unknown, action = 'created'): RegistryChange {
  return { id: `c${++seq}`, tenantId: 't', entity: entity as RegistryChange['entity'], entityId, action: action as RegistryChange['action'], actor: { kind: 'operator' }, at: now, before: null, after: after as Record<string, unknown> };
}
const unit = (id: string, path: string[]): UnitView => ({ id, tenant: 't', name: id, parentId: path.length > 1 ? path[path.length - 2] : null, path, createdAt: now, updatedAt: now });
const account = (id: string, over: Partial<AccountView> = {}): AccountView => ({
  id, tenant: 't', name: id, description: null, enabled: true, credentialsIssuedAt: now, lastLoginAt: null, createdAt: now, updatedAt: now,
  grants: [{ actions: ['webhooks:receive'], units: ['north'], topics: ['Accounts.*'] }], ...over,
});
const receiver = (id: string, accountId: string, topics: string[], over: Partial<ReceiverView> = {}): ReceiverView => ({
  id, tenant: 't', name: id, url: 'http://r', topics, accountId, auth: { protocol: 'none' }, enabled: true, deletedAt: null, createdAt: now, updatedAt: now, ...over,
});
const event = (topic: string, unitId?: string): HostEvent => ({ id: 'e', tenantId: 't', topic, object: { type: 'account', id: '1', ...(unitId ? { unit: unitId } : {}) }, data: {}, receivedAt: now, publishedBy: 'test' });

function view(): RegistryView {
  const v = new RegistryView();
  const changes = [
    change('unit', 'north', unit('north', ['north'])),
    change('unit', 'oslo', unit('oslo', ['north', 'oslo'])),
    change('unit', 'south', unit('south', ['south'])),
    change('account', 'a1', account('a1')),
    change('account', 'off', account('off', { enabled: false })),
    change('receiver', 'r1', receiver('r1', 'a1', ['Accounts.*'])),
    change('receiver', 'r-all', receiver('r-all', 'a1', ['>'])),
    change('receiver', 'r-off', receiver('r-off', 'off', ['Accounts.Update'])),
    change('receiver', 'r-gone', receiver('r-gone', 'a1', ['Accounts.Update'], { deletedAt: now })),
    change('receiver', 'r-other', receiver('r-other', 'a1', ['Visits.*'])),
  ];
  changes.forEach((c, i) => v.apply(c, i + 1));
  return v;
}

const summary = (d: ReturnType<typeof fanOut>) => Object.fromEntries(d.map((x) => [x.receiver.id, x.send ? 'send' : x.reason]));

describe('fanOut', () => {
  it('sends to receivers whose topic matches and whose account may see the unit (below a granted unit too)', () => {
    assert.deepEqual(summary(fanOut(view(), event('Accounts.Update', 'oslo'))), {
      r1: 'send',
      'r-all': 'send',
      'r-off': 'the receiving account off (off) is disabled',
    });
  });
  it('filters by unit, with the reason', () => {
    const d = summary(fanOut(view(), event('Accounts.Update', 'south')));
    assert.match(d.r1, /unit south is outside the units account a1/);
  });
  it('filters an object outside any unit when the grant names units', () => {
    assert.match(summary(fanOut(view(), event('Accounts.Update')))['r1'], /outside any unit/);
  });
  it('filters by topic grant, with the reason', () => {
    const d = summary(fanOut(view(), event('Visits.Done', 'north')));
    assert.match(d['r-all'], /no webhooks:receive grant for topic Visits.Done/);
    assert.match(d['r-other'], /no webhooks:receive grant/);
  });
  it('takes a grant change into account at once', () => {
    const v = view();
    v.apply(change('account', 'a1', account('a1', { grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] }), 'updated'), 100);
    assert.deepEqual(summary(fanOut(v, event('Visits.Done', 'south'))), { 'r-all': 'send', 'r-other': 'send' });
  });
  it('a receiver set up by a narrower registrant gets no more when its account is granted more later (receiveBound)', () => {
    const v = view();
    v.apply(change('receiver', 'r-bound', receiver('r-bound', 'a1', ['Accounts.*'], { receiveBound: [{ units: ['oslo'], topics: ['Accounts.Update'] }] })), 50);
    v.apply(change('receiver', 'r-none', receiver('r-none', 'a1', ['Accounts.*'], { receiveBound: [] })), 51);
    v.apply(change('account', 'a1', account('a1', { grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] }), 'updated'), 100);
    const table: [topic: string, unit: string | undefined, rBound: 'send' | RegExp][] = [
      ['Accounts.Update', 'oslo', 'send'],
      ['Accounts.Update', 'north', /topic Accounts.Update in unit north is beyond the receiver's receiveBound/],
      ['Accounts.Update', 'south', /beyond the receiver's receiveBound/],
      ['Accounts.Update', undefined, /outside any unit is beyond the receiver's receiveBound/],
      ['Accounts.Create', 'oslo', /topic Accounts.Create in unit oslo is beyond/],
    ];
    for (const [topic, unitId, want] of table) {
      const d = summary(fanOut(v, event(topic, unitId)));
      if (want === 'send') assert.equal(d['r-bound'], 'send', `${topic} ${unitId}`);
      else assert.match(d['r-bound'], want, `${topic} ${unitId}`);
      assert.match(d['r-none'], /beyond the receiver's receiveBound/);
      // Without a bound (the operator's, or registered before bounds existed) the account's grants alone decide.
      assert.equal(d.r1, 'send');
    }
  });
  it('a bound never lets through what the account itself may not receive', () => {
    const v = view();
    v.apply(change('receiver', 'r-wide', receiver('r-wide', 'a1', ['Accounts.*'], { receiveBound: [{ units: '*', topics: '*' }] })), 50);
    assert.match(summary(fanOut(v, event('Accounts.Update', 'south')))['r-wide'], /unit south is outside the units account a1/);
    assert.equal(summary(fanOut(v, event('Accounts.Update', 'oslo')))['r-wide'], 'send');
  });
  it('ignores a change it has already applied (replay)', () => {
    const v = view();
    v.apply(change('receiver', 'r1', receiver('r1', 'a1', ['Accounts.*'], { enabled: false }), 'updated'), 3);
    assert.ok(v.receivers('t').some((r) => r.id === 'r1'));
  });
  it('receiversFor names, from the tenant and topic alone, exactly the receivers fanOut decides about', () => {
    const v = view();
    const ids = (topic: string, tenant = 't') => receiversFor(v, tenant, topic).map((r) => r.id).sort();
    assert.deepEqual(ids('Accounts.Update'), ['r-all', 'r-off', 'r1']);
    assert.deepEqual(ids('Visits.Done'), ['r-all', 'r-other']);
    assert.deepEqual(ids('Accounts.Update', 'other-tenant'), [], 'another tenant has none of these receivers');
    for (const topic of ['Accounts.Update', 'Visits.Done', 'Listener.records.upserted', 'A.b']) {
      assert.deepEqual(fanOut(v, event(topic, 'oslo')).map((d) => d.receiver.id).sort(), ids(topic), topic);
    }
    // A tenant whose receivers all ask for other topics: nothing to decide, so the dispatcher need not read the event's body.
    const narrow = new RegistryView();
    narrow.apply(change('account', 'a1', account('a1')), 1);
    narrow.apply(change('receiver', 'r1', receiver('r1', 'a1', ['Accounts.*'])), 2);
    assert.deepEqual(receiversFor(narrow, 't', 'Listener.records.upserted'), []);
    assert.equal(receiversFor(narrow, 't', 'Accounts.Create').length, 1);
  });
  it('a receiver gets the events stored from its creation on, however late they are fanned out', () => {
    const v = view();
    const created = Date.parse(now) + 60_000;
    v.apply(change('receiver', 'r-new', receiver('r-new', 'a1', ['Accounts.*'], { createdAt: new Date(created).toISOString() })), 20);
    const e = event('Accounts.Update', 'oslo');
    const storedAt = (ms: number) => fanOut(v, e, undefined, ms).map((d) => d.receiver.id).sort();
    // A backlog or a redelivery from before the receiver existed: not for it, and not logged as filtered for it either.
    assert.deepEqual(storedAt(Date.parse(now)), ['r-all', 'r-off', 'r1']);
    assert.deepEqual(storedAt(created - RECEIVER_CREATION_GRACE_MS - 1), ['r-all', 'r-off', 'r1']);
    // Within the grace for two clocks, at and after its creation: for it.
    assert.deepEqual(storedAt(created - RECEIVER_CREATION_GRACE_MS), ['r-all', 'r-new', 'r-off', 'r1']);
    assert.deepEqual(storedAt(created), ['r-all', 'r-new', 'r-off', 'r1']);
    assert.deepEqual(storedAt(created + 3_600_000), ['r-all', 'r-new', 'r-off', 'r1']);
    // The time JetStream stored it decides, not the receivedAt in the body (a host publishing on NATS may set that itself).
    assert.deepEqual(fanOut(v, { ...e, receivedAt: now }, undefined, created).map((d) => d.receiver.id).sort(), ['r-all', 'r-new', 'r-off', 'r1']);
    // Without a stored time, every receiver of the topic is decided about.
    assert.deepEqual(fanOut(v, e).map((d) => d.receiver.id).sort(), ['r-all', 'r-new', 'r-off', 'r1']);
  });
  it('the body names the event and carries its object and data', () => {
    assert.deepEqual(JSON.parse(webhookBody(event('A.b', 'u'))), { id: 'e', topic: 'A.b', tenant: 't', occurredAt: now, object: { type: 'account', id: '1', unit: 'u' }, data: {} });
  });
});
