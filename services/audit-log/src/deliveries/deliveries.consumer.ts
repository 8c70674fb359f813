import { Injectable, OnModuleInit } from '@nestjs/common';
import { CONSUMERS, upgradeDeliveryMessage } from '@hookline/contracts';
import { ConsumerHost, PoisonMessageError } from '@hookline/messaging';
import { DeliveryLivePublisher } from './delivery-live.publisher';
import { project } from './delivery-projection';
import { DeliveriesRepository } from './deliveries.repository';

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
        for (const m of msgs) {
          const p = m.payload as { deliveryId?: unknown; tenantId?: unknown; type?: unknown };
          if (typeof p?.deliveryId !== 'string' || typeof p.tenantId !== 'string' || typeof p.type !== 'string') {
            throw new PoisonMessageError('not a delivery lifecycle event');
          }
        }
        const { deliveries, attempts } = project(msgs.map((m) => ({ event: upgradeDeliveryMessage(m.payload), seq: m.streamSeq })));
        await this.repo.apply(deliveries, attempts);
        await this.live.recorded(deliveries);
      },
      // A longer window means fewer, larger statements (the log is a projection; 200 ms late is fine).
      { maxBatch: 1000, maxWaitMs: 200, concurrency: 1 },
    );
  }
}
