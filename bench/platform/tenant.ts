// One tenant per scenario: an API account that may receive everything, the topic, and
// N receivers (websub, sha256) pointing at the bench's receivers. Events are published
// either on JetStream (the in-cluster path the README documents) or with POST /v1/events.
import { randomUUID } from 'node:crypto';
import { nowMs } from '../lib/clock';
import { until } from '../lib/load';
import { eventData } from '../lib/payload';
import type { Receiver, ReceiverFarm } from '../lib/receiver-farm';
import type { BenchStack } from './bench-stack';

export const TOPIC = 'Bench.Event';
const runId = randomUUID().slice(0, 8);

export interface BenchTenant {
  id: string;
  receivers: Receiver[];
  /** The platform's receiver id of each receiver, in the same order. */
  receiverIds: string[];
  indexes: number[];
  /** Publishes event i; resolves after the JetStream ack (or the 202). */
  publish(i: number, feed: 'nats' | 'http'): Promise<void>;
}

function expect(res: { status: number; text: string }, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`);
}

export async function createTenant(b: BenchStack, farm: ReceiverFarm, id: string, receiverCount: number): Promise<BenchTenant> {
  expect(await b.operator.post('/v1/tenants', { id, name: `Bench ${id}` }), 201, `create tenant ${id}`);
  const topic = await b.operator.post('/v1/topics', { tenant: id, name: TOPIC });
  expect(topic, 201, `create topic in ${id}`);
  const receivers = receiverCount > 0 ? await farm.add(receiverCount) : [];
  const receiverIds: string[] = [];
  if (receivers.length > 0) {
    const account = await b.operator.post('/v1/accounts', {
      tenant: id,
      name: 'bench-receiver',
      grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }],
    });
    expect(account, 201, `create account in ${id}`);
    const accountId = String(account.body.account.id);
    for (const [k, r] of receivers.entries()) {
      const res = await b.operator.post('/v1/receivers', {
        tenant: id,
        name: `bench-${k}`,
        url: r.url,
        topics: [TOPIC],
        accountId,
        auth: { protocol: 'websub', algorithm: 'sha256' },
      });
      expect(res, 201, `create receiver ${k} in ${id}`);
      receiverIds.push(String(res.body.receiver.id));
      if (typeof res.body.secret === 'string') await farm.configure(r.index, { secret: res.body.secret });
    }
  }
  const subject = `hookline.events.${id}.${TOPIC}`;
  const enc = new TextEncoder();
  const tenant: BenchTenant = {
    id,
    receivers,
    receiverIds,
    indexes: receivers.map((r) => r.index),
    async publish(i, feed) {
      const object = { type: 'order', id: String(i) };
      const data = eventData(i, nowMs());
      if (feed === 'nats') {
        await b.js.publish(subject, enc.encode(JSON.stringify({ object, data })), { msgID: `bench-${runId}-${id}-${i}`, timeout: 10_000 });
        return;
      }
      const res = await b.gateway.request({
        path: '/v1/events',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${b.operatorToken}` },
        body: JSON.stringify({ tenant: id, topic: TOPIC, object, data }),
      });
      const text = await res.body.text();
      if (res.statusCode !== 202) throw new Error(`POST /v1/events: ${res.statusCode} ${text.slice(0, 200)}`);
    },
  };
  return tenant;
}

/**
 * Publishes probe events until every receiver has had one: the dispatcher learns of new
 * receivers from the registry's change stream, a moment after the 201.
 */
export async function awaitReceiversLive(t: BenchTenant, farm: ReceiverFarm, maxMs = 30_000): Promise<void> {
  let probe = 1_000_000_000;
  const ok = await until(
    async () => {
      if (t.indexes.every((i) => farm.counts(i).unique > 0)) return true;
      await t.publish(probe++, 'nats');
      return false;
    },
    maxMs,
    250,
  );
  if (!ok) throw new Error(`the receivers of ${t.id} got no delivery within ${maxMs} ms: the dispatcher did not pick them up`);
}
