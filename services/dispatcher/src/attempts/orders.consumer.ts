import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { CONSUMERS, firstOrderOf, upgradeDeliveryMessage } from '@hookline/contracts';
import { ConsumerHost, PoisonMessageError } from '@hookline/messaging';
import type { DispatcherConfig } from '../config';
import { AttemptRunner } from './attempt-runner';

/**
 * Orders to attempt now: first attempts (a delivery's "created" fact published on its
 * own: by fan-out for a receiver that was busy, or by the code that creates other
 * kinds' deliveries) and retries and resends (orders on hookline.dispatch.due). Many run
 * at once, but never more than a few per receiver: a receiver that hangs until its
 * timeout holds only its own slots, and its further orders wait their turn (a short
 * queue, then handed back to come back about when the receiver has room, or parked in
 * the retry-scheduler's agenda when that is far off; never failed), so the other
 * receivers keep their rate.
 */
@Injectable()
export class OrdersConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly runner: AttemptRunner,
    @Inject(CONFIG) private readonly config: DispatcherConfig,
  ) {}

  onModuleInit(): void {
    const { attemptConcurrency } = this.config;
    // First attempts: the "created" fact is the order.
    this.host.register(
      CONSUMERS.dispatcherFirstAttempts,
      'delivery-lifecycle',
      async (msg) => {
        const created = msg.payload;
        if (created?.type !== 'created') throw new PoisonMessageError('not a created delivery');
        await this.runner.run(firstOrderOf(upgradeDeliveryMessage(created)));
      },
      // Unscoped, as the events consumer (events.consumer.ts).
      { concurrency: attemptConcurrency, scope: false },
    );
    // Retries and resends.
    this.host.register(CONSUMERS.dispatcherOrders, 'dispatch-due', (msg) => this.runner.run(upgradeDeliveryMessage(msg.payload)), { concurrency: attemptConcurrency, scope: false });
  }
}
