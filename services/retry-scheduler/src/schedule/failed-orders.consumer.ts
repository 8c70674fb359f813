import { Injectable, OnModuleInit } from '@nestjs/common';
import { CONSUMERS } from '@hookline/contracts';
import { ConsumerHost, PoisonMessageError } from '@hookline/messaging';
import { ScheduleService } from './schedule.service';

/** Failed attempts from the dispatcher: schedule the next one or give up. */
@Injectable()
export class FailedOrdersConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly schedule: ScheduleService,
  ) {}

  onModuleInit(): void {
    this.host.register(
      CONSUMERS.retrySchedulerFailed,
      'dispatch-failed',
      async (msg) => {
        if (!msg.payload?.order?.deliveryId || !msg.payload.attemptedAt) throw new PoisonMessageError('not a failed dispatch order');
        await this.schedule.onFailed(msg.payload);
      },
      { concurrency: 32 },
    );
  }
}
