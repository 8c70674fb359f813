import { Injectable, OnModuleInit } from '@nestjs/common';
import { CONSUMERS } from '@hookline/contracts';
import { ConsumerHost } from '@hookline/messaging';
import { ScheduleService } from './schedule.service';

/** A manual resend that got through ends the retry still waiting for the delivery, a batch per statement. */
@Injectable()
export class ResentConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly schedule: ScheduleService,
  ) {}

  onModuleInit(): void {
    this.host.registerBatch(
      CONSUMERS.retrySchedulerResent,
      'dispatch-resent',
      async (msgs) => {
        const ids = msgs.filter((m) => typeof m.payload?.deliveryId === 'string').map((m) => m.payload.deliveryId);
        await this.schedule.onResendSucceeded(ids);
      },
      { maxBatch: 1000, maxWaitMs: 100, concurrency: 1 },
    );
  }
}
