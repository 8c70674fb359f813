import { Injectable, OnModuleInit } from '@nestjs/common';
import { CONSUMERS, parseRegistryChange } from '@hookline/contracts';
import { ConsumerHost, PoisonMessageError } from '@hookline/messaging';
import { ScheduleService } from './schedule.service';

/** A receiver was (soft-)deleted: its waiting retries are cancelled at once. */
@Injectable()
export class ReceiverDeletionsConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly schedule: ScheduleService,
  ) {}

  onModuleInit(): void {
    this.host.register(CONSUMERS.retrySchedulerReceivers, 'registry-change', async (msg) => {
      let change;
      try {
        change = parseRegistryChange(msg.payload);
      } catch (err) {
        throw new PoisonMessageError((err as Error).message);
      }
      if (change.entity !== 'receiver' || change.action !== 'deleted') return;
      await this.schedule.cancelForReceiver(change.tenantId, change.entityId, 'the receiver was deleted');
    });
  }
}
