import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { CONSUMERS } from '@hookline/contracts';
import { ConsumerHost, DeferredError, PoisonMessageError } from '@hookline/messaging';
import type { DispatcherConfig } from '../config';
import { AttemptService } from './attempt.service';

/**
 * Orders to attempt now. Many run at once, but never more than a few per receiver: a
 * receiver that hangs until its timeout holds only its own slots, and its further
 * orders wait their turn (deferred, not failed), so the other receivers keep their rate.
 */
@Injectable()
export class OrdersConsumer implements OnModuleInit {
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly host: ConsumerHost,
    private readonly attempts: AttemptService,
    @Inject(CONFIG) private readonly config: DispatcherConfig,
  ) {}

  onModuleInit(): void {
    this.host.register(
      CONSUMERS.dispatcherOrders,
      'dispatch-due',
      async (msg) => {
        const order = msg.payload;
        if (!order?.deliveryId || !order.tenantId || !order.receiverId || typeof order.body !== 'string') throw new PoisonMessageError('not a dispatch order');
        const key = `${order.tenantId}/${order.receiverId}`;
        const busy = this.inFlight.get(key) ?? 0;
        if (busy >= this.config.perReceiverConcurrency) throw new DeferredError(`receiver ${key} is busy`, 200 + Math.floor(Math.random() * 300));
        this.inFlight.set(key, busy + 1);
        const heartbeat = setInterval(() => msg.working(), 10_000);
        try {
          await this.attempts.attempt(order);
        } finally {
          clearInterval(heartbeat);
          const left = (this.inFlight.get(key) ?? 1) - 1;
          if (left <= 0) this.inFlight.delete(key);
          else this.inFlight.set(key, left);
        }
      },
      { concurrency: this.config.attemptConcurrency },
    );
  }
}
