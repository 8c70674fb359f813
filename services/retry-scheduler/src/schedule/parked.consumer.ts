import { Injectable, OnModuleInit } from '@nestjs/common';
import { CONSUMERS, parkedOf, type ParkedOrder } from '@hookline/contracts';
import { ConsumerHost, PoisonMessageError } from '@hookline/messaging';
import { ScheduleService } from './schedule.service';

/**
 * Orders the dispatcher set aside because their receiver is busy for long: kept in the
 * agenda and released as due orders when their turn comes, so they wait in PostgreSQL
 * rather than in the dispatcher consumer's ack window. Taken in batches, written in one
 * statement each.
 */
@Injectable()
export class ParkedConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly schedule: ScheduleService,
  ) {}

  onModuleInit(): void {
    this.host.registerBatch(
      CONSUMERS.retrySchedulerParked,
      'dispatch-parked',
      async (msgs) => {
        // A message is a dispatcher's batch (ParkRecorder), or one order as dispatchers sent them before batches.
        const parked = msgs.flatMap((m) => parkedOf(m.payload)) as ParkedOrder[];
        // A batch with a bad message is taken again one message at a time (ConsumerHost), so only that one is dead-lettered.
        for (const p of parked) if (!p?.order?.deliveryId || !p.order.tenantId || typeof p.dueAt !== 'string' || Number.isNaN(Date.parse(p.dueAt))) throw new PoisonMessageError('not a parked order');
        await this.schedule.onParked(parked);
      },
      // A receiver that hangs sends its orders here by the thousand: one statement for each
      // batch instead of one per order (measured in the isolation scenario of npm run bench).
      // They trickle in (about 150 messages a second there before the dispatcher sent them
      // in batches), and an order is seldom due within a second: a batch gathers for 200 ms.
      // With 20 ms the batches held about ten orders, and each cost its statement, commit and acks.
      { maxBatch: 500, maxWaitMs: 200, concurrency: 1 },
    );
  }
}
