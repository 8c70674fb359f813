import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import {
  DEFAULT_NOTIFICATION_DAYS_BEFORE,
  deliveryMsgIds,
  deliverySubjects,
  pushTypeOfReceiverId,
  registryChangeSubject,
  stableUuid,
  type DeliveryLifecycleEvent,
  type DispatchOrder,
  type FailedOrder,
  type ParkedOrder,
  type RegistryChange,
} from '@hookline/contracts';
import { pushNotificationProfile, retryPolicy, type RetryPolicy } from '@hookline/delivery';
import { JetStreamPublisher } from '@hookline/messaging';
import type { RetrySchedulerConfig } from '../config';
import { PushSettingsProvider } from '../push-settings/push-settings.provider';
import { decide, decidePush, expiryReason, pushExpiresAt, type PushDecision } from './retry-decision';
import { ScheduleRepository, type ScheduledRow } from './schedule.repository';

/** A push notification being deleted: which, whose, and why. */
interface Expired {
  deliveryId: string;
  tenantId: string;
  order: DispatchOrder;
  /** Attempts made before it was deleted. */
  attempts: number;
}

/** Owns when each failed delivery is tried again, and when it is given up (or, for push notifications, deleted). */
@Injectable()
export class ScheduleService {
  private readonly policy: RetryPolicy;
  private readonly dayMs: number;

  constructor(
    private readonly repo: ScheduleRepository,
    private readonly publisher: JetStreamPublisher,
    private readonly pushSettings: PushSettingsProvider,
    @Inject(CONFIG) config: RetrySchedulerConfig,
  ) {
    this.policy = retryPolicy({ schedule: config.retrySchedule, jitterMs: config.retryJitterMs, maxRetryAfterMs: config.maxRetryAfterMs });
    this.dayMs = config.pushDayMs;
  }

  /** The agenda row is written before the "scheduled" fact is published; a crash in between repeats both harmlessly. */
  async onFailed(failed: FailedOrder, now = new Date()): Promise<void> {
    const { order } = failed;
    // A failed resend of a delivery that still waits for its retry changes nothing: the schedule goes on.
    if (order.manual && (await this.repo.isScheduled(order.tenantId, order.deliveryId))) return;
    let d: PushDecision;
    if (order.kind === 'push') {
      // notification_days_before as it is now: a change applies to notifications already waiting.
      await this.pushSettings.upToDate();
      const days = this.pushSettings.state.daysBefore(order.tenantId);
      d = decidePush(failed, this.pushPolicy(days), days, now);
    } else {
      d = decide(failed, this.policy, now);
    }
    if (d.kind === 'retry') {
      // A retry is a new order: how often the failed one was parked does not carry over.
      const { parked: _parked, ...rest } = order;
      const next: DispatchOrder = { ...rest, attempt: d.attempt };
      await this.repo.upsert(next, d.at);
      await this.lifecycle({ type: 'scheduled', deliveryId: order.deliveryId, tenantId: order.tenantId, kind: order.kind, at: now.toISOString(), attempt: d.attempt, dueAt: d.at.toISOString() });
      return;
    }
    if (d.kind === 'purge') {
      await this.purge([{ deliveryId: order.deliveryId, tenantId: order.tenantId, order, attempts: order.attempt }], now);
      return;
    }
    await this.lifecycle({ type: 'failed', deliveryId: order.deliveryId, tenantId: order.tenantId, kind: order.kind, at: now.toISOString(), attempts: order.attempt, reason: d.reason });
  }

  /**
   * Publishes every due retry as an order for the dispatcher. A push notification whose
   * time is up under the current notification_days_before is deleted instead.
   */
  async releaseDue(now = new Date(), limit = 500): Promise<number> {
    await this.pushSettings.caughtUp();
    return this.repo.takeDue(now, limit, async (rows) => {
      const expired = rows.filter((r) => this.isExpiredPush(r, now));
      const due = rows.filter((r) => !expired.includes(r));
      await Promise.all(due.map((r) => this.publisher.publish('dispatch-due', deliverySubjects.due(r.tenant_id), r.dispatch_order, { msgId: deliveryMsgIds.due(r.dispatch_order) })));
      await this.purge(expired.map(expiredOf), now);
    });
  }

  /**
   * Deletes every waiting push notification that is past its tenant's current
   * notification_days_before (the sweep that makes a lowered setting apply to
   * notifications already waiting). Returns how many were deleted.
   */
  async purgeExpired(now = new Date(), limit = 500): Promise<number> {
    await this.pushSettings.upToDate();
    const state = this.pushSettings.state;
    const cutoffs = state.configured().map(([tenantId, days]) => ({ tenantId, cutoff: new Date(now.getTime() - days * this.dayMs) }));
    const defaultCutoff = new Date(now.getTime() - DEFAULT_NOTIFICATION_DAYS_BEFORE * this.dayMs);
    let total = 0;
    for (;;) {
      const n = await this.repo.takeExpiredPush(cutoffs, defaultCutoff, limit, (rows) => this.purge(rows.map(expiredOf), now));
      total += n;
      if (n < limit) return total;
    }
  }

  /**
   * A parked order waits in the agenda like a retry, under the same attempt number and
   * without a "scheduled" fact: it was never tried, its receiver was busy. It is released,
   * cancelled with its receiver, or (a push notification) expired like any other row.
   */
  async onParked(parked: ParkedOrder): Promise<void> {
    await this.repo.upsertParked(parked.order, new Date(parked.dueAt));
  }

  /** A resend got through before the scheduled retry: the delivery needs no retry. */
  async onResendSucceeded(deliveryIds: string[]): Promise<void> {
    await this.repo.removeDeliveries(deliveryIds);
  }

  /** A deleted receiver gets no more attempts: its waiting retries are cancelled. */
  async cancelForReceiver(tenantId: string, receiverId: string, reason: string): Promise<number> {
    const rows = await this.repo.removeForReceiver(tenantId, receiverId);
    const at = new Date().toISOString();
    await Promise.all(rows.map((r) => this.lifecycle({ type: 'cancelled', deliveryId: r.delivery_id, tenantId, kind: r.dispatch_order.kind, at, reason })));
    return rows.length;
  }

  private pushPolicy(daysBefore: number): RetryPolicy {
    return pushNotificationProfile({ expireAfterDays: daysBefore, dayMs: this.dayMs, retry: this.policy }).retry;
  }

  private isExpiredPush(r: ScheduledRow, now: Date): boolean {
    if (r.dispatch_order.kind !== 'push') return false;
    const days = this.pushSettings.state.daysBefore(r.tenant_id);
    return now.getTime() >= pushExpiresAt(r.dispatch_order.createdAt, days, this.dayMs).getTime();
  }

  /**
   * Records the deletion of undelivered push notifications: a "purged" fact for each (the
   * delivery log shows it), and per tenant and type one audit record of how many and
   * which (a push-notification change, actor system), so the history says what went.
   */
  private async purge(items: Expired[], now: Date): Promise<void> {
    if (items.length === 0) return;
    const at = now.toISOString();
    await Promise.all(
      items.map((x) =>
        this.lifecycle({ type: 'purged', deliveryId: x.deliveryId, tenantId: x.tenantId, kind: 'push', at, reason: expiryReason(this.pushSettings.state.daysBefore(x.tenantId)) }),
      ),
    );
    const groups = new Map<string, Expired[]>();
    for (const x of items) {
      const key = `${x.tenantId}\u0000${pushTypeOfReceiverId(x.order.receiverId) ?? x.order.receiverId}`;
      groups.set(key, [...(groups.get(key) ?? []), x]);
    }
    await Promise.all(
      [...groups].map(async ([key, group]) => {
        const [tenantId, type] = key.split('\u0000');
        const days = this.pushSettings.state.daysBefore(tenantId);
        const ids = group.map((x) => x.deliveryId).sort();
        const change: RegistryChange = {
          // Derived from what was deleted, so a repeated publish is recognised as a duplicate.
          id: stableUuid('push-purge', tenantId, type, ...ids),
          tenantId,
          entity: 'push-notification',
          entityId: type,
          action: 'purged',
          actor: { kind: 'system', reason: 'notification_days_before expiry (retry-scheduler)' },
          at,
          before: null,
          after: null,
          detail: {
            count: ids.length,
            deliveryIds: ids,
            notifications: group.map((x) => ({ id: x.deliveryId, eventId: x.order.eventId, topic: x.order.topic, createdAt: x.order.createdAt, attempts: x.attempts })),
            notification_days_before: days,
            reason: expiryReason(days),
          },
        };
        await this.publisher.publish('registry-change', registryChangeSubject(tenantId, 'push-notification', 'purged'), change, { msgId: change.id });
      }),
    );
  }

  private async lifecycle(e: DeliveryLifecycleEvent): Promise<void> {
    await this.publisher.publish('delivery-lifecycle', deliverySubjects.lifecycle(e.tenantId, e.type), e, { msgId: deliveryMsgIds.lifecycle(e) });
  }
}

function expiredOf(r: ScheduledRow): Expired {
  // The agenda holds the next attempt: one fewer was made.
  return { deliveryId: r.delivery_id, tenantId: r.tenant_id, order: r.dispatch_order, attempts: r.attempt - 1 };
}
