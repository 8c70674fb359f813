import { Injectable, OnModuleInit } from '@nestjs/common';
import { CONSUMERS } from '@hookline/contracts';
import { ConsumerHost } from '@hookline/messaging';
import { ScheduleService } from './schedule.service';

/** Succeeded deliveries end any retry still waiting for them, a batch per statement. */
@Injectable()
export class SucceededConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly schedule: ScheduleService,
  ) {}

  onModuleInit(): void {
    this.host.registerBatch(
      CONSUMERS.retrySchedulerSucceeded,
      'delivery-lifecycle',
      async (msgs) => {
        const ids = msgs.filter((m) => m.payload?.type === 'succeeded' && typeof m.payload.deliveryId === 'string').map((m) => m.payload.deliveryId);
        await this.schedule.onSucceeded(ids);
      },
      { maxBatch: 1000, maxWaitMs: 500, concurrency: 1 },
    );
  }
}
