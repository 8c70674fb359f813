// A delivery ledger for fault-injection tests (the Convoy / Svix style of assertion):
// it records every event a test publishes and which receivers should get it, and at the
// end proves that nothing was lost or garbled whatever crashed in between:
//   - every event reached every receiver that should get it, and no receiver got
//     anything it should not;
//   - every duplicate of a delivery carries the same delivery id and the same body
//     (and, for WebSub receivers, a valid signature);
//   - every delivery is in the webhook log exactly once, in its expected final state,
//     under the id the receiver saw;
//   - no durable JetStream consumer has pending or unacknowledged work, and nothing
//     was dead-lettered.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { STREAMS } from '@hookline/contracts';
import type { ApiClient, ApiResponse } from './api-client';
import { eventually } from './assertions';
import type { ReceivedRequest } from './receiver';

export const FINAL_STATUSES = ['succeeded', 'failed', 'filtered', 'cancelled', 'purged'] as const;
export type FinalStatus = (typeof FINAL_STATUSES)[number];

export interface LedgerReceiverSpec {
  /** The receiver's id in the platform. */
  id: string;
  /** What the receiver's server saw, in order (a TestReceiver or anything that records the same). */
  server: { requests: ReceivedRequest[] };
  /** The receiver's topics, as registered (names or patterns with * and >). */
  topics: string[];
  /** WebSub receivers: every request must carry a valid X-Hub-Signature made with this secret. */
  websub?: { secret: string; algorithm?: 'sha1' | 'sha256' | 'sha384' | 'sha512' };
  /** The status every one of its deliveries must end in (default succeeded). */
  finalStatus?: FinalStatus;
}

export interface LedgerEvent {
  id: string;
  topic: string;
  object: { type: string; id: string; unit?: string };
  data: Record<string, unknown>;
}

export interface DeliverySummary {
  id: string;
  kind: string;
  eventId: string;
  topic: string;
  target: { id: string; name: string };
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastErrorClass?: string;
  nextAttemptAt: string | null;
  [k: string]: unknown;
}

/** Every delivery of the tenant matching the query (newest first), following nextCursor to the end. */
export async function listAllDeliveries(client: ApiClient, tenant: string, query = ''): Promise<DeliverySummary[]> {
  const out: DeliverySummary[] = [];
  let cursor: string | null = null;
  do {
    const page: ApiResponse = await client.get(`/v1/deliveries?tenant=${tenant}&limit=500${query ? `&${query}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(page.status, 200, page.text);
    out.push(...page.body.data);
    cursor = page.body.nextCursor;
  } while (cursor);
  return out;
}

/**
 * Waits until each of these durable consumers has nothing pending or unacknowledged, in the
 * order given (e.g. the listener's apply, then what reads the events it published): then
 * everything accepted before is handled, so a count read afterwards is final, and a late
 * duplicate would be in it.
 */
export async function consumersDrained(natsUrl: string, consumers: readonly { stream: string; durable: string }[], timeoutMs = 30_000): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    for (const c of consumers) {
      await eventually(`${c.durable} has drained`, async () => {
        const info = await jsm.consumers.info(c.stream, c.durable);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      }, timeoutMs, 250);
    }
  } finally {
    await nc.close();
  }
}

/** Durable consumers (on the platform's work and fact streams) that still have work: pending or unacknowledged. */
export async function busyConsumers(natsUrl: string): Promise<string[]> {
  const nc = await connect({ servers: natsUrl, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    const busy: string[] = [];
    for (const stream of [STREAMS.events.name, STREAMS.dispatch.name, STREAMS.deliveries.name, STREAMS.registry.name]) {
      for await (const ci of jsm.consumers.list(stream)) {
        if (!ci.config.durable_name) continue;
        if (ci.num_pending !== 0 || ci.num_ack_pending !== 0) busy.push(`${stream}/${ci.name}: ${ci.num_pending} pending, ${ci.num_ack_pending} awaiting ack`);
      }
    }
    return busy;
  } finally {
    await nc.close();
  }
}

/** Messages in the dead-letter stream (each is a message some consumer gave up on). */
export async function deadLetterCount(natsUrl: string): Promise<number> {
  const nc = await connect({ servers: natsUrl, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(STREAMS.deadLetter.name)).state.messages;
  } finally {
    await nc.close();
  }
}

/** NATS-style subject matching for the topic patterns receivers register (* one word, > the rest). */
export function topicPatternMatches(pattern: string, topic: string): boolean {
  const p = pattern.split('.');
  const t = topic.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return t.length > i;
    if (i >= t.length || (p[i] !== '*' && p[i] !== t[i])) return false;
  }
  return p.length === t.length;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class DeliveryLedger {
  readonly events: LedgerEvent[] = [];
  private readonly receivers: LedgerReceiverSpec[] = [];
  private seq = 0;

  /**
   * name: a prefix for idempotency keys, unique per ledger. The client publishes the
   * events and reads the webhook log of `tenant`.
   */
  constructor(
    private readonly opts: { client: ApiClient; tenant: string; natsUrl: string; name: string },
  ) {}

  addReceiver(spec: LedgerReceiverSpec): void {
    this.receivers.push(spec);
  }

  /** The receivers that should get an event of this topic. */
  receiversFor(topic: string): LedgerReceiverSpec[] {
    return this.receivers.filter((r) => r.topics.some((p) => topicPatternMatches(p, topic)));
  }

  /**
   * Publishes one event with an idempotency key of its own, retrying (with the same key)
   * until the platform answers 202: during a fault it may answer 503 or not at all, and a
   * retry must never make a second event.
   */
  async publish(topic: string, data: Record<string, unknown> = {}, object?: LedgerEvent['object'], timeoutMs = 60_000): Promise<LedgerEvent> {
    const n = ++this.seq;
    const key = `${this.opts.name}-${n}`;
    const obj = object ?? { type: 'ledger', id: key };
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        const res = await this.opts.client.post('/v1/events', { tenant: this.opts.tenant, topic, object: obj, data: { ...data, ledger: key } }, { 'idempotency-key': key });
        if (res.status === 202) {
          const e: LedgerEvent = { id: res.body.id, topic, object: obj, data: { ...data, ledger: key } };
          const again = this.events.find((x) => x.id === e.id);
          assert.equal(again, undefined, `idempotency key ${key} gave the id of an earlier event`);
          this.events.push(e);
          return e;
        }
        // Only unavailability is worth a retry; anything else is a bug in the test or the platform.
        assert.ok([502, 503, 504].includes(res.status), `publishing ${key}: ${res.status} ${res.text}`);
        last = `${res.status} ${res.text}`;
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`event ${key} was not accepted within ${timeoutMs} ms: ${last}`);
      await sleep(200);
    }
  }

  /** Every check above; waits (up to timeoutMs) for the platform to settle first. */
  async verify(timeoutMs = 90_000): Promise<{ requests: number; duplicates: number; deliveries: number }> {
    assert.ok(this.events.length > 0, 'the ledger recorded no events');
    const deadline = Date.now() + timeoutMs;
    const left = () => Math.max(1000, deadline - Date.now());
    const byId = new Map(this.events.map((e) => [e.id, e]));

    // 1. Every event reached every receiver that should get it.
    await eventually('every event at every receiver that should get it', async () => {
      const missing: string[] = [];
      for (const r of this.receivers) {
        const got = new Set(r.server.requests.map((q) => q.headers['hookline-event-id']));
        for (const e of this.events) if (this.wants(r, e) && !got.has(e.id)) missing.push(`${e.data.ledger} -> receiver ${r.id}`);
      }
      if (missing.length > 0) throw new Error(`${missing.length} missing, e.g. ${missing.slice(0, 5).join(', ')}`);
      return true;
    }, left(), 200);

    // 2. The log: every expected delivery once, in its final state, under the id the receiver saw.
    const mine = new Set(this.receivers.map((r) => r.id));
    let settled = new Map<string, DeliverySummary>();
    let unsettled: { delivery: DeliverySummary; receiver: LedgerReceiverSpec }[] = [];
    await eventually('every delivery in its final state in the log', async () => {
      const all = (await listAllDeliveries(this.opts.client, this.opts.tenant)).filter((d) => mine.has(d.target.id) && byId.has(d.eventId));
      const ids = new Set<string>();
      const pairs = new Map<string, DeliverySummary>();
      for (const d of all) {
        assert.ok(!ids.has(d.id), `delivery ${d.id} is listed twice`);
        ids.add(d.id);
        const key = `${d.target.id}/${d.eventId}`;
        assert.ok(!pairs.has(key), `two deliveries (${pairs.get(key)?.id}, ${d.id}) for one event and receiver`);
        pairs.set(key, d);
      }
      const wrong: string[] = [];
      unsettled = [];
      for (const r of this.receivers) {
        for (const e of this.events) {
          if (!this.wants(r, e)) continue;
          const d = pairs.get(`${r.id}/${e.id}`);
          const want = r.finalStatus ?? 'succeeded';
          if (!d) wrong.push(`${String(e.data.ledger)} -> ${r.id}: not in the log`);
          else if (d.status !== want) {
            wrong.push(`${String(e.data.ledger)} -> ${r.id}: ${d.status}, not ${want}`);
            unsettled.push({ delivery: d, receiver: r });
          }
        }
      }
      for (const [key, d] of pairs) {
        const [rid, eid] = key.split('/');
        const r = this.receivers.find((x) => x.id === rid);
        const e = byId.get(eid);
        assert.ok(r && e && this.wants(r, e), `delivery ${d.id} (${d.status}) should not exist`);
      }
      if (wrong.length > 0) throw new Error(`${wrong.length} not settled, e.g. ${wrong.slice(0, 5).join(', ')}`);
      settled = pairs;
      return true;
    }, left(), 250).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await this.explain(unsettled.slice(0, 3))}`);
    });

    // 3. The queues drained, and nothing was given up on.
    await eventually('every durable consumer drained', async () => {
      const busy = await busyConsumers(this.opts.natsUrl);
      if (busy.length > 0) throw new Error(busy.join('; '));
      return true;
    }, left(), 250);
    assert.equal(await deadLetterCount(this.opts.natsUrl), 0, 'messages were dead-lettered');

    // 4. Everything each receiver got, now that nothing more is coming: only what it should, every duplicate the same delivery id and body.
    const seen = new Map<string, string>(); // `${receiver}/${event}` -> delivery id
    let requests = 0;
    let duplicates = 0;
    for (const r of this.receivers) {
      const byDelivery = new Map<string, ReceivedRequest[]>();
      for (const q of r.server.requests) {
        requests++;
        const deliveryId = q.headers['hookline-delivery-id'];
        assert.ok(deliveryId, `a request to receiver ${r.id} without a delivery id`);
        assert.equal(q.headers['webhook-id'], deliveryId, 'webhook-id is the delivery id');
        const body = JSON.parse(q.body) as { id: string; topic: string; tenant: string; object: unknown; data: unknown };
        assert.equal(q.headers['hookline-event-id'], body.id, 'the event id header names the event in the body');
        const e = byId.get(body.id);
        assert.ok(e, `receiver ${r.id} got event ${body.id}, which the ledger never published`);
        assert.ok(this.wants(r, e), `receiver ${r.id} got ${e.topic} event ${String(e.data.ledger)}, which it should not`);
        assert.deepEqual({ topic: body.topic, tenant: body.tenant, object: body.object, data: body.data }, { topic: e.topic, tenant: this.opts.tenant, object: e.object, data: e.data }, `the body of ${String(e.data.ledger)}`);
        if (r.websub) {
          const alg = r.websub.algorithm ?? 'sha256';
          assert.equal(q.headers['x-hub-signature'], `${alg}=${createHmac(alg, r.websub.secret).update(q.body).digest('hex')}`, `a bad signature on ${deliveryId}`);
        }
        const list = byDelivery.get(deliveryId) ?? [];
        list.push(q);
        byDelivery.set(deliveryId, list);
        const key = `${r.id}/${e.id}`;
        const before = seen.get(key);
        assert.ok(before === undefined || before === deliveryId, `event ${String(e.data.ledger)} reached receiver ${r.id} under two delivery ids: ${before} and ${deliveryId}`);
        seen.set(key, deliveryId);
      }
      for (const [id, qs] of byDelivery) {
        duplicates += qs.length - 1;
        assert.equal(new Set(qs.map((q) => q.body)).size, 1, `the duplicates of delivery ${id} differ in body`);
      }
    }

    for (const [key, d] of settled) assert.equal(d.id, seen.get(key), `the log's delivery id for ${key} is not the one the receiver saw`);
    return { requests, duplicates, deliveries: settled.size };
  }

  /** What the log and the receiver each know of deliveries that did not settle, for the failure message. */
  private async explain(items: { delivery: DeliverySummary; receiver: LedgerReceiverSpec }[]): Promise<string> {
    const lines: string[] = [];
    for (const { delivery: d, receiver: r } of items) {
      const detail = await this.opts.client.get(`/v1/deliveries/${d.id}?tenant=${encodeURIComponent(this.opts.tenant)}`).catch((e: Error) => ({ status: 0, body: e.message }));
      const got = r.server.requests.filter((q) => q.headers['hookline-delivery-id'] === d.id).map((q) => `${new Date(q.at).toISOString()} (attempt at ${q.headers['hookline-attempt-at'] ?? '?'})`);
      lines.push(`delivery ${d.id} to receiver ${r.id}: the receiver got ${got.length} request(s) [${got.join('; ')}]; the log says ${JSON.stringify(detail.body)}`);
    }
    return lines.join('\n');
  }

  private wants(r: LedgerReceiverSpec, e: LedgerEvent): boolean {
    return r.topics.some((p) => topicPatternMatches(p, e.topic));
  }
}
