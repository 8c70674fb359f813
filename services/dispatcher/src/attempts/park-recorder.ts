// Parked orders go to the retry-scheduler's agenda in batches, like facts: what the
// dispatcher parks for a tenant within one linger is one message on
// hookline.dispatch.parked.<tenant> (see GroupPublisher). A receiver that hangs has its
// new deliveries parked by the hundred a second; one message each cost the broker a
// store, a delivery and an ack, and the retry-scheduler a message to take and settle,
// per order (npm run bench's isolation scenario). park() resolves once the batch holding
// the order is stored, so the message that caused it is acked only after that.
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { deliveryMsgIds, deliverySubjects, MAX_PARKED_PER_BATCH, type ParkedOrder } from '@hookline/contracts';
import { GroupPublisher, JetStreamPublisher } from '@hookline/messaging';
import { InstanceStats } from '@hookline/observability';
import type { DispatcherConfig } from '../config';

/** Well under nats-server's default max_payload (1 MiB); an order carries its body (up to the event size limit). */
const MAX_BATCH_BYTES = 512 * 1024;

@Injectable()
export class ParkRecorder {
  private readonly group: GroupPublisher;

  constructor(publisher: JetStreamPublisher, stats: InstanceStats, @Inject(CONFIG) config: Pick<DispatcherConfig, 'factsLingerMs'>) {
    this.group = new GroupPublisher(publisher, {
      maxItems: MAX_PARKED_PER_BATCH,
      maxBytes: MAX_BATCH_BYTES,
      maxInFlight: 2,
      lingerMs: config.factsLingerMs,
      envelope: (items) => `{"parked":[${items.join(',')}]}`,
      msgId: (ids) => deliveryMsgIds.parkedBatch(ids),
      onPublished: () => stats.count('orders.parked.messages'),
    });
  }

  /** Parks the order until `dueAt` in the agenda; resolves once that is stored. */
  park(parked: ParkedOrder): Promise<void> {
    return this.group.add(deliverySubjects.parked(parked.order.tenantId), [{ json: JSON.stringify(parked), id: deliveryMsgIds.parked(parked.order) }]);
  }
}
