import { Injectable, OnModuleInit } from '@nestjs/common';
import { CONSUMERS } from '@hookline/contracts';
import { ConsumerHost, PoisonMessageError } from '@hookline/messaging';
import { ScheduleService } from './schedule.service';

/**
 * Orders the dispatcher set aside because their receiver is busy for long: kept in the
 * agenda and released as due orders when their turn comes, so they wait in PostgreSQL
 * rather than in the dispatcher consumer's ack window.
 */
@Injectable()
export class ParkedConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly schedule: ScheduleService,
  ) {}

  onModuleInit(): void {
    this.host.register(
      CONSUMERS.retrySchedulerParked,
      'dispatch-parked',
      async (msg) => {
        const p = msg.payload;
        if (!p?.order?.deliveryId || !p.order.tenantId || Number.isNaN(Date.parse(p.dueAt))) throw new PoisonMessageError('not a parked order');
        await this.schedule.onParked(p);
      },
      { concurrency: 32 },
    );
  }
}
