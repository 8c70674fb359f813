// Delivery facts (created, filtered, attempted, succeeded, cancelled) go to the log in
// batches: what the dispatcher records in one tick for a tenant is one message on
// hookline.delivery.<tenant>.facts (see GroupPublisher). record() resolves once the
// facts are stored, so the message that caused them is acked only after that. Final
// states recorded here (succeeded, filtered, cancelled before an attempt) are counted in
// hookline_deliveries_total once stored; the retry-scheduler counts the others.
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { deliveryMsgIds, deliverySubjects, MAX_FACTS_PER_BATCH, type DeliveryLifecycleEvent } from '@hookline/contracts';
import { GroupPublisher, JetStreamPublisher } from '@hookline/messaging';
import { InstanceStats, isFinalDeliveryState, Metrics } from '@hookline/observability';
import type { DispatcherConfig } from '../config';

/** Well under nats-server's default max_payload (1 MiB). */
const MAX_BATCH_BYTES = 512 * 1024;

@Injectable()
export class FactRecorder {
  private readonly group: GroupPublisher;
  private readonly deliveries;

  constructor(publisher: JetStreamPublisher, stats: InstanceStats, metrics: Metrics, @Inject(CONFIG) config: DispatcherConfig) {
    this.deliveries = metrics.counter('deliveries');
    this.group = new GroupPublisher(publisher, {
      maxItems: MAX_FACTS_PER_BATCH,
      maxBytes: MAX_BATCH_BYTES,
      // Two messages per tenant on their way; what comes meanwhile waits and goes in the next.
      maxInFlight: 2,
      // At a few hundred deliveries a second each fact batch went alone (a store, a delivery
      // to the audit log and its ack each); at most one per linger carries several.
      lingerMs: config.factsLingerMs,
      envelope: (items) => `{"facts":[${items.join(',')}]}`,
      msgId: (ids) => deliveryMsgIds.facts(ids),
      onPublished: (n) => {
        stats.count('facts.messages');
        stats.count('facts', n);
      },
    });
  }

  /** Records facts of one tenant, in this order and in one message. */
  record(...facts: DeliveryLifecycleEvent[]): Promise<void> {
    if (facts.length === 0) return Promise.resolve();
    const tenantId = facts[0].tenantId;
    if (facts.some((f) => f.tenantId !== tenantId)) throw new Error('facts of one record() belong to one tenant');
    const stored = this.group.add(
      deliverySubjects.facts(tenantId),
      facts.map((f) => ({ json: JSON.stringify(f), id: deliveryMsgIds.lifecycle(f) })),
    );
    const finals = facts.filter((f) => isFinalDeliveryState(f.type));
    if (finals.length === 0) return stored;
    return stored.then(() => {
      for (const f of finals) this.deliveries.inc({ kind: f.kind, state: f.type });
    });
  }
}
