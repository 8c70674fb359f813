import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccountView, DeliveryCreated, ReceiverView, RegistryChange, UnitView } from '@hookline/contracts';
import { RegistryView } from '@hookline/registry-view';
import type { DispatcherConfig } from '../config';
import { EventsConsumer } from './events.consumer';

const now = '2026-01-01T00:00:00.000Z';
let seq = 0;
function change(entity: string, entityId: string, after: unknown): RegistryChange {
  return { id: `c${++seq}`, tenantId: 't', entity: entity as RegistryChange['entity'], entityId, action: 'created', actor: { kind: 'operator' }, at: now, before: null, after: after as Record<string, unknown> };
}
const unit: UnitView = { id: 'north', tenant: 't', name: 'north', parentId: null, path: ['north'], createdAt: now, updatedAt: now };
const account: AccountView = {
  id: 'a1', tenant: 't', name: 'a1', description: null, enabled: true, credentialsIssuedAt: now, lastLoginAt: null, createdAt: now, updatedAt: now,
  grants: [{ actions: ['webhooks:receive'], units: ['north'], topics: ['Accounts.*'] }],
};
const receiver = (id: string): ReceiverView => ({ id, tenant: 't', name: id, url: `http://${id}`, topics: ['Accounts.*'], accountId: 'a1', auth: { protocol: 'none' }, enabled: true, deletedAt: null, createdAt: now, updatedAt: now });

function viewWith(...receiverIds: string[]): RegistryView {
  const v = new RegistryView();
  [change('unit', 'north', unit), change('account', 'a1', account), ...receiverIds.map((id) => change('receiver', id, receiver(id)))].forEach((c, i) => v.apply(c, i + 1));
  return v;
}

const event = { id: 'e1', topic: 'Accounts.Update', object: { type: 'account', id: '1', unit: 'north' }, data: {}, receivedAt: now };
const message = (payload: unknown, headers: Record<string, string> = {}) => ({ subject: 'hookline.events.t.Accounts.Update', payload, streamSeq: 1, deliveryCount: 1, failedDeliveries: 1, timestampMs: Date.now(), headers, msgId: 'm1' });

/** A promise the test resolves when it chooses. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** The handler's outcome as it stands. */
function watch(p: Promise<void>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const w: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  p.then(
    () => (w.state = 'resolved'),
    (err: unknown) => Object.assign(w, { state: 'rejected', error: err }),
  );
  return w;
}

const settle = () => new Promise((r) => setTimeout(r, 20));

/**
 * The real consumer with stubs around it: `runFirst` attempts r1 inline until the test
 * lets it finish; every other receiver's delivery is turned away there and published as
 * its order, which fails at once.
 */
function consumerWith(view: RegistryView) {
  const slow = gate();
  const inline = { started: [] as string[], finished: [] as string[] };
  let handler!: (m: unknown) => Promise<void>;
  const host = { register: (_spec: unknown, _channel: unknown, h: (m: unknown) => Promise<void>) => (handler = h) };
  const runner = {
    async runFirst(c: DeliveryCreated) {
      if (c.target !== 'r1') return false;
      inline.started.push(c.deliveryId);
      await slow.promise;
      inline.finished.push(c.deliveryId);
      return true;
    },
    parkFirst: async () => false,
  };
  const publisher = { publish: async () => Promise.reject(new Error('could not publish the order: TIMEOUT')) };
  const registry = { upToDate: async () => undefined, view };
  const facts = { record: async () => undefined };
  const stats = { count: () => undefined };
  const consumer = new EventsConsumer(host as never, publisher as never, registry as never, runner as never, facts as never, stats as never, { attemptConcurrency: 8 } as DispatcherConfig);
  consumer.onModuleInit();
  return { handle: (m: unknown) => handler(m), slow, inline };
}

describe('EventsConsumer: an event is settled only once all its deliveries have finished', () => {
  it('does not hand the event back while a sibling delivery is still being attempted, when another one failed', async () => {
    const c = consumerWith(viewWith('r1', 'r2'));
    const outcome = watch(c.handle(message(event)));
    await settle();
    assert.equal(c.inline.started.length, 1, 'r1 is being attempted inline');
    assert.equal(outcome.state, 'pending', 'r2\'s order failed, but the event is not settled while r1 is still being attempted (another replica would attempt r1 again at once)');
    c.slow.open();
    await settle();
    assert.equal(c.inline.finished.length, 1);
    assert.equal(outcome.state, 'rejected', 'handed back once r1 has finished');
    assert.match((outcome.error as Error).message, /could not publish the order/, 'with the failure');
  });

  it('does not fail while a delivery it started is still being attempted, when fan-out fails at a later event of the message', async () => {
    const view = viewWith('r1');
    // The second event's fan-out throws (a bug, a view that cannot answer) after the first event's delivery has started.
    const account = view.account.bind(view);
    let calls = 0;
    view.account = (...args: Parameters<RegistryView['account']>) => {
      if (++calls > 1) throw new Error('the view could not answer');
      return account(...args);
    };
    const c = consumerWith(view);
    const outcome = watch(c.handle(message([event, { ...event, id: 'e2' }], { 'Hookline-Events': '2' })));
    await settle();
    assert.equal(c.inline.started.length, 1);
    assert.equal(outcome.state, 'pending', 'not settled while the first event\'s delivery is being attempted');
    c.slow.open();
    await settle();
    assert.equal(outcome.state, 'rejected');
    assert.match((outcome.error as Error).message, /the view could not answer/);
  });

  it('acks once every delivery has been made', async () => {
    const c = consumerWith(viewWith('r1'));
    const outcome = watch(c.handle(message(event)));
    await settle();
    assert.equal(outcome.state, 'pending');
    c.slow.open();
    await settle();
    assert.equal(outcome.state, 'resolved');
  });
});
