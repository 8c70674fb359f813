import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ParkedOrder } from '@hookline/contracts';
import { PoisonMessageError, type ConsumedMessage, type ConsumerHost } from '@hookline/messaging';
import { ParkedConsumer } from './parked.consumer';
import type { ScheduleService } from './schedule.service';

function parked(n: number): ParkedOrder {
  return { order: { deliveryId: `d${n}`, tenantId: 't1', kind: 'webhook', target: 'r1', attempt: 1, body: '{}', createdAt: new Date(0).toISOString(), parked: 1 }, dueAt: new Date(30_000).toISOString() };
}

/** The consumer's batch handler, registered on a host that only keeps it, and what it hands the schedule. */
function consumer() {
  let handler!: (msgs: ConsumedMessage<'dispatch-parked'>[]) => Promise<void>;
  const host = { registerBatch: (_spec: unknown, _channel: unknown, h: typeof handler) => (handler = h) } as unknown as ConsumerHost;
  const written: ParkedOrder[][] = [];
  const schedule = { onParked: async (p: ParkedOrder[]) => void written.push(p) } as unknown as ScheduleService;
  new ParkedConsumer(host, schedule).onModuleInit();
  const msg = (payload: unknown) => ({ payload }) as ConsumedMessage<'dispatch-parked'>;
  return { handle: (...payloads: unknown[]) => handler(payloads.map(msg)), written };
}

describe('ParkedConsumer', () => {
  it("writes a batch of messages in one go: each batch message's orders in order, and an order sent on its own (by a dispatcher from before batches)", async () => {
    const c = consumer();
    await c.handle({ parked: [parked(1), parked(2)] }, parked(3), { parked: [parked(4)] });
    assert.deepEqual(c.written, [[parked(1), parked(2), parked(3), parked(4)]]);
  });

  it('refuses a message with an order that is not one (ConsumerHost then takes the batch one message at a time, so only that message is dead-lettered)', async () => {
    const c = consumer();
    await assert.rejects(c.handle({ parked: [parked(1), { order: { deliveryId: 'd2' }, dueAt: 'soon' }] }), PoisonMessageError);
    await assert.rejects(c.handle({ dueAt: new Date().toISOString() }), PoisonMessageError);
    assert.deepEqual(c.written, []);
  });
});
