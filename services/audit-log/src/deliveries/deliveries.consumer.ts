import { Injectable, OnModuleInit } from '@nestjs/common';
import { CONSUMERS, factsOf, MAX_FACTS_PER_BATCH, upgradeDeliveryMessage, type DeliveryLifecycleEvent } from '@hookline/contracts';
import { ConsumerHost, PoisonMessageError } from '@hookline/messaging';
import { DeliveryLivePublisher } from './delivery-live.publisher';
import { project } from './delivery-projection';
import { DeliveriesRepository } from './deliveries.repository';

/**
 * Where a fact stands in the stream: its message's sequence, then its place in that
 * message (a batch carries up to MAX_FACTS_PER_BATCH facts in the order they happened).
 * The log keeps a fact only if it is newer than what it has, by this number.
 */
export function factSeq(streamSeq: number, index: number): number {
  return streamSeq * (MAX_FACTS_PER_BATCH + 1) + index;
}

/** Projects every delivery's life into the webhook log, a batch per statement. */
@Injectable()
export class DeliveriesConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly repo: DeliveriesRepository,
    private readonly live: DeliveryLivePublisher,
  ) {}

  onModuleInit(): void {
    this.host.registerBatch(
      CONSUMERS.auditDeliveries,
      'delivery-lifecycle',
      async (msgs) => {
        const events: { event: DeliveryLifecycleEvent; seq: number }[] = [];
        for (const m of msgs) {
          const facts = factsOf(m.payload);
          if (facts.length > MAX_FACTS_PER_BATCH) throw new PoisonMessageError(`more than ${MAX_FACTS_PER_BATCH} facts in one message`);
          facts.forEach((f, i) => {
            const p = f as { deliveryId?: unknown; tenantId?: unknown; type?: unknown };
            if (typeof p?.deliveryId !== 'string' || typeof p.tenantId !== 'string' || typeof p.type !== 'string') {
              throw new PoisonMessageError('not a delivery lifecycle event');
            }
            events.push({ event: upgradeDeliveryMessage(f as DeliveryLifecycleEvent), seq: factSeq(m.streamSeq, i) });
          });
        }
        const { deliveries, attempts } = project(events);
        await this.repo.apply(deliveries, attempts);
        await this.live.recorded(deliveries);
      },
      // Gathered: a fact reaching an idle log is written at once; under load, a batch at most
      // every 200 ms, its messages sent by the server together (fewer, larger statements;
      // the log is a projection, 200 ms late is fine).
      { maxBatch: 1000, maxWaitMs: 200, concurrency: 1, gather: true },
    );
  }
}
