import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { deliveryMsgIds, deliverySubjects, type DeliveryLifecycleEvent, type DispatchOrder, type FailedOrder } from '@hookline/contracts';
import { retryPolicy, type RetryPolicy } from '@hookline/delivery';
import { JetStreamPublisher } from '@hookline/messaging';
import type { RetrySchedulerConfig } from '../config';
import { decide } from './retry-decision';
import { ScheduleRepository } from './schedule.repository';

/** Owns when each failed delivery is tried again, and when it is given up. */
@Injectable()
export class ScheduleService {
  private readonly policy: RetryPolicy;

  constructor(
    private readonly repo: ScheduleRepository,
    private readonly publisher: JetStreamPublisher,
    @Inject(CONFIG) config: RetrySchedulerConfig,
  ) {
    this.policy = retryPolicy({ schedule: config.retrySchedule, jitterMs: config.retryJitterMs, maxRetryAfterMs: config.maxRetryAfterMs });
  }

  /** The agenda row is written before the "scheduled" fact is published; a crash in between repeats both harmlessly. */
  async onFailed(failed: FailedOrder, now = new Date()): Promise<void> {
    const { order } = failed;
    // A failed resend of a delivery that still waits for its retry changes nothing: the schedule goes on.
    if (order.manual && (await this.repo.isScheduled(order.tenantId, order.deliveryId))) return;
    const d = decide(failed, this.policy, now);
    if (d.kind === 'retry') {
      const next: DispatchOrder = { ...order, attempt: d.attempt };
      await this.repo.upsert(next, d.at);
      await this.lifecycle({ type: 'scheduled', deliveryId: order.deliveryId, tenantId: order.tenantId, kind: order.kind, at: now.toISOString(), attempt: d.attempt, dueAt: d.at.toISOString() });
      return;
    }
    await this.lifecycle({ type: 'failed', deliveryId: order.deliveryId, tenantId: order.tenantId, kind: order.kind, at: now.toISOString(), attempts: order.attempt, reason: d.reason });
  }

  /** Publishes every due retry as an order for the dispatcher. */
  async releaseDue(now = new Date(), limit = 500): Promise<number> {
    return this.repo.takeDue(now, limit, async (rows) => {
      await Promise.all(
        rows.map((r) => this.publisher.publish('dispatch-due', deliverySubjects.due(r.tenant_id), r.dispatch_order, { msgId: deliveryMsgIds.due(r.dispatch_order) })),
      );
    });
  }

  /** Deliveries that succeeded need no retry (a resend got through before the scheduled retry). */
  async onSucceeded(deliveryIds: string[]): Promise<void> {
    await this.repo.removeDeliveries(deliveryIds);
  }

  /** A deleted receiver gets no more attempts: its waiting retries are cancelled. */
  async cancelForReceiver(tenantId: string, receiverId: string, reason: string): Promise<number> {
    const rows = await this.repo.removeForReceiver(tenantId, receiverId);
    const at = new Date().toISOString();
    await Promise.all(rows.map((r) => this.lifecycle({ type: 'cancelled', deliveryId: r.delivery_id, tenantId, kind: r.dispatch_order.kind, at, reason })));
    return rows.length;
  }

  private async lifecycle(e: DeliveryLifecycleEvent): Promise<void> {
    await this.publisher.publish('delivery-lifecycle', deliverySubjects.lifecycle(e.tenantId, e.type), e, { msgId: deliveryMsgIds.lifecycle(e) });
  }
}
