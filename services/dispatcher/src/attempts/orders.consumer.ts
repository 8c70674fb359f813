import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { CONSUMERS, deliveryMsgIds, deliverySubjects, firstOrderOf, upgradeDeliveryMessage, type DispatchOrder, type ParkedOrder } from '@hookline/contracts';
import { ConsumerHost, DeferredError, JetStreamPublisher, PoisonMessageError } from '@hookline/messaging';
import type { DispatcherConfig } from '../config';
import { AttemptService } from './attempt.service';
import { OrderDedup } from './order-dedup';
import { ReceiverGate } from './receiver-gate';

/**
 * Orders to attempt now: first attempts (a delivery's "created" fact) and retries and
 * resends (orders on hookline.dispatch.due). Many run at once, but never more than a few per receiver: a
 * receiver that hangs until its timeout holds only its own slots, and its further
 * orders wait their turn (a short queue here, then handed back to come back about when
 * the receiver has room, or parked in the retry-scheduler's agenda when that is far off;
 * never failed), so the other receivers keep their rate.
 */
@Injectable()
export class OrdersConsumer implements OnModuleInit {
  private readonly gate: ReceiverGate;
  private readonly dedup = new OrderDedup();

  constructor(
    private readonly host: ConsumerHost,
    private readonly attempts: AttemptService,
    private readonly publisher: JetStreamPublisher,
    @Inject(CONFIG) private readonly config: DispatcherConfig,
  ) {
    // A queue twice the slots: orders handed back and returning a little early still find room.
    this.gate = new ReceiverGate(config.perReceiverConcurrency, 2 * config.perReceiverConcurrency);
  }

  onModuleInit(): void {
    const { attemptConcurrency } = this.config;
    // First attempts: the "created" fact is the order.
    this.host.register(
      CONSUMERS.dispatcherFirstAttempts,
      'delivery-lifecycle',
      async (msg) => {
        const created = msg.payload;
        if (created?.type !== 'created') throw new PoisonMessageError('not a created delivery');
        await this.run(firstOrderOf(upgradeDeliveryMessage(created)), () => msg.working());
      },
      { concurrency: attemptConcurrency },
    );
    // Retries and resends.
    this.host.register(CONSUMERS.dispatcherOrders, 'dispatch-due', (msg) => this.run(upgradeDeliveryMessage(msg.payload), () => msg.working()), { concurrency: attemptConcurrency });
  }

  private async park(order: DispatchOrder, forMs: number): Promise<void> {
    const parked: ParkedOrder = { order: { ...order, parked: (order.parked ?? 0) + 1 }, dueAt: new Date(Date.now() + forMs).toISOString() };
    await this.publisher.publish('dispatch-parked', deliverySubjects.parked(order.tenantId), parked, { msgId: deliveryMsgIds.parked(parked.order) });
  }

  private async run(order: DispatchOrder, working: () => void): Promise<void> {
    if (!order?.deliveryId || !order.tenantId || !order.kind || typeof order.target !== 'string' || typeof order.body !== 'string') throw new PoisonMessageError('not a dispatch order');
    const orderKey = deliveryMsgIds.due(order);
    const state = this.dedup.begin(orderKey);
    // Its attempt is over and every fact of it published: this copy is acked, not sent again.
    if (state === 'done') return;
    if (state === 'running') throw new DeferredError(`order ${orderKey} is being attempted already`, 2000);
    let completed = false;
    try {
      // One gate per destination: a receiver, a push notification type, an integration...
      const key = `${order.tenantId}/${order.kind}/${order.target}`;
      const admission = this.gate.admit(key);
      if (admission.kind === 'full') {
        if (admission.retryInMs <= this.config.parkAfterMs) throw new DeferredError(`receiver ${key} is busy`, admission.retryInMs);
        // Busy for long: into the agenda (durable, out of the ack window) until its turn.
        await this.park(order, admission.retryInMs);
        completed = true;
        return;
      }
      const heartbeat = setInterval(working, 10_000);
      try {
        if (admission.kind === 'queued') await admission.ready;
        await this.attempts.attempt(order);
        completed = true;
      } finally {
        clearInterval(heartbeat);
        this.gate.release(key);
      }
    } finally {
      this.dedup.finish(orderKey, completed);
    }
  }
}
