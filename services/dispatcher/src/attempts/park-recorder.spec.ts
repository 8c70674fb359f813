import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deliveryMsgIds, type DispatchOrder, type ParkedOrder } from '@hookline/contracts';
import type { JetStreamPublisher } from '@hookline/messaging';
import { InstanceStats } from '@hookline/observability';
import { ParkRecorder } from './park-recorder';

function parked(n: number, tenantId = 't1'): ParkedOrder {
  const order: DispatchOrder = { deliveryId: `00000000-0000-4000-8000-00000000000${n}`, tenantId, kind: 'webhook', target: 'r1', attempt: 1, body: '{"n":1}', createdAt: new Date(0).toISOString(), parked: 1 };
  return { order, dueAt: new Date(30_000).toISOString() };
}

/** A publisher that records each message and acknowledges it when told to. */
function fakePublisher() {
  const sent: { subject: string; data: string; msgId: string; ack: () => void }[] = [];
  const publisher = {
    publishRaw(subject: string, data: string, opts: { msgId: string }) {
      return new Promise((resolve) => sent.push({ subject, data, msgId: opts.msgId, ack: () => resolve({ stream: 'S', seq: sent.length, duplicate: false }) }));
    },
  } as unknown as JetStreamPublisher;
  return { publisher, sent };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('ParkRecorder', () => {
  it("sends a tenant's orders parked in one turn as one batch message, resolving each park only once it is stored", async () => {
    const { publisher, sent } = fakePublisher();
    const stats = new InstanceStats();
    const parks = new ParkRecorder(publisher, stats, { factsLingerMs: 0 });
    let stored = 0;
    const done = [parked(1), parked(2), parked(3, 't2')].map((p) => parks.park(p).then(() => stored++));
    await turn();
    assert.deepEqual(
      sent.map((m) => m.subject),
      ['hookline.dispatch.parked.t1', 'hookline.dispatch.parked.t2'],
      'one message per tenant',
    );
    assert.deepEqual(JSON.parse(sent[0].data), { parked: [parked(1), parked(2)] });
    assert.equal(sent[0].msgId, deliveryMsgIds.parkedBatch([deliveryMsgIds.parked(parked(1).order), deliveryMsgIds.parked(parked(2).order)]));
    assert.deepEqual(JSON.parse(sent[1].data), { parked: [parked(3, 't2')] });
    await turn();
    assert.equal(stored, 0, 'nothing is stored before its PubAck');
    sent[0].ack();
    await turn();
    assert.equal(stored, 2);
    sent[1].ack();
    await Promise.all(done);
    assert.equal(stats.snapshot().work['orders.parked.messages'], 2);
  });
});
