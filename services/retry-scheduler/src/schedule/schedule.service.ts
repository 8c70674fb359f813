import { Injectable } from '@nestjs/common';
import {
  deliveryMsgIds,
  deliverySubjects,
  registryChangeSubject,
  stableUuid,
  upgradeDeliveryMessage,
  type DeliveryLifecycleEvent,
  type DispatchOrder,
  type FailedOrder,
  type ParkedOrder,
  type RegistryChange,
} from '@hookline/contracts';
import { DeliveryKindsService, UnknownDeliveryKindError, type DeliveryKindProfile, type KindExpiry, type Resolution, type TargetDirectory } from '@hookline/delivery';
import { JetStreamPublisher, RetryableError } from '@hookline/messaging';
import { InstanceStats, isFinalDeliveryState, Metrics } from '@hookline/observability';
import { Leadership } from '../leadership/leadership.service';
import { RegistryViewProvider, viewNotCurrent } from '@hookline/registry-view';
import { decide } from './retry-decision';
import { ScheduleRepository, type ScheduledRow } from './schedule.repository';

/** A delivery being deleted at its expiry: which, whose, and why. */
interface Expired {
  deliveryId: string;
  tenantId: string;
  order: DispatchOrder;
  /** Attempts made before it was deleted. */
  attempts: number;
}

type ExpiringKind = DeliveryKindProfile<TargetDirectory> & { expiry: KindExpiry<TargetDirectory> };

/**
 * Owns when each failed delivery is tried again, and when it is given up (or, for a kind
 * whose deliveries expire, deleted). Every kind-specific rule comes from the kind's
 * profile, resolved against the registry as it is now.
 */
@Injectable()
export class ScheduleService {
  private readonly deliveries;
  private readonly retriesScheduled;

  constructor(
    private readonly repo: ScheduleRepository,
    private readonly publisher: JetStreamPublisher,
    private readonly registry: RegistryViewProvider,
    private readonly kinds: DeliveryKindsService,
    private readonly leadership: Leadership,
    private readonly stats: InstanceStats,
    metrics: Metrics,
  ) {
    this.deliveries = metrics.counter('deliveries');
    this.retriesScheduled = metrics.counter('retriesScheduled');
  }

  private profile(kind: string): DeliveryKindProfile<TargetDirectory> {
    try {
      return this.kinds.kinds.get(kind);
    } catch (err) {
      // A kind another version knows: leave the message for an instance that does.
      if (err instanceof UnknownDeliveryKindError) throw new RetryableError(err.message, 30_000);
      throw err;
    }
  }

  private view(): TargetDirectory {
    try {
      return this.registry.view;
    } catch (err) {
      throw viewNotCurrent(err);
    }
  }

  private expiringKinds(): ExpiringKind[] {
    return this.kinds.kinds.all().filter((k): k is ExpiringKind => k.expiry !== undefined);
  }

  /** The order's target as the registry is now; a cancellation only once the view holds every change published so far. */
  private async resolve(order: DispatchOrder): Promise<Resolution> {
    const profile = this.profile(order.kind);
    await this.registry.caughtUp();
    let r = profile.resolve(this.kinds.context(this.view()), order);
    if ('cancel' in r) {
      try {
        await this.registry.upToDate();
      } catch (err) {
        throw viewNotCurrent(err);
      }
      r = profile.resolve(this.kinds.context(this.view()), order);
    }
    return r;
  }

  /** The agenda row is written before the "scheduled" fact is published; a crash in between repeats both harmlessly. */
  async onFailed(raw: FailedOrder, now = new Date()): Promise<void> {
    const failed: FailedOrder = { ...raw, order: upgradeDeliveryMessage(raw.order) };
    const { order } = failed;
    // A failed resend of a delivery that still waits for its retry changes nothing: the schedule goes on.
    if (order.manual && (await this.repo.isScheduled(order.tenantId, order.deliveryId))) return;
    const at = now.toISOString();
    const of = { deliveryId: order.deliveryId, tenantId: order.tenantId, kind: order.kind, at };
    const target = await this.resolve(order);
    if ('cancel' in target) {
      // The target is gone or off: a retry could only be cancelled later.
      await this.lifecycle({ type: 'cancelled', ...of, reason: target.cancel });
      return;
    }
    const d = decide(failed, target.plan.retry, now);
    if (d.kind === 'retry') {
      // A retry is a new order: how often the failed one was parked does not carry over.
      const { parked: _parked, ...rest } = order;
      const next: DispatchOrder = { ...rest, attempt: d.attempt };
      await this.repo.upsert(next, d.at);
      await this.lifecycle({ type: 'scheduled', ...of, attempt: d.attempt, dueAt: d.at.toISOString() });
      return;
    }
    if (d.kind === 'expire') {
      const profile = this.profile(order.kind);
      if (profile.expiry) {
        await this.purge(profile as ExpiringKind, [{ deliveryId: order.deliveryId, tenantId: order.tenantId, order, attempts: order.attempt }], now);
        return;
      }
      // A policy with an expiry its kind does not manage: it simply ends.
      await this.lifecycle({ type: 'failed', ...of, attempts: order.attempt, reason: 'expired before it could be delivered' });
      return;
    }
    await this.lifecycle({ type: 'failed', ...of, attempts: order.attempt, reason: d.reason });
  }

  /**
   * Publishes every due retry as an order for the dispatcher. A delivery of an expiring
   * kind whose time is up under its tenant's current setting is deleted instead.
   */
  async releaseDue(now = new Date(), limit = 500): Promise<number> {
    await this.registry.caughtUp();
    let released = 0;
    const taken = await this.repo.takeDue(now, limit, this.leadership.lease, async (rows) => {
      const expired = new Map<ExpiringKind, ScheduledRow[]>();
      const due: ScheduledRow[] = [];
      const ctx = this.kinds.context(this.view());
      for (const r of rows) {
        const kind = this.kinds.kinds.has(r.kind) ? this.kinds.kinds.get(r.kind) : undefined;
        const expiry = kind?.expiry;
        if (kind && expiry && now.getTime() >= new Date(r.created_at).getTime() + expiry.afterMs(ctx, r.tenant_id)) {
          const list = expired.get(kind as ExpiringKind);
          if (list) list.push(r);
          else expired.set(kind as ExpiringKind, [r]);
        } else due.push(r);
      }
      await Promise.all(
        due.map((r) => {
          const order = upgradeDeliveryMessage(r.dispatch_order);
          return this.publisher.publish('dispatch-due', deliverySubjects.due(r.tenant_id), order, { msgId: deliveryMsgIds.due(order) });
        }),
      );
      for (const [kind, list] of expired) await this.purge(kind, list.map(expiredOf), now);
      released = due.length;
    });
    // Counted once the rows are gone from the agenda for good (the transaction committed).
    if (released > 0) this.stats.count('retries.released', released);
    return taken;
  }

  /**
   * Deletes every waiting delivery of an expiring kind that is past its tenant's current
   * setting (the sweep that makes a shortened setting apply to deliveries already
   * waiting). `only` limits it to one kind. Returns how many were deleted.
   */
  async purgeExpired(now = new Date(), limit = 500, only?: string): Promise<number> {
    await this.registry.upToDate();
    const ctx = this.kinds.context(this.view());
    let total = 0;
    for (const kind of this.expiringKinds()) {
      if (only !== undefined && kind.kind !== only) continue;
      const cutoffs = kind.expiry.tenants(ctx).map((tenantId) => ({ tenantId, cutoff: new Date(now.getTime() - kind.expiry.afterMs(ctx, tenantId)) }));
      const defaultCutoff = new Date(now.getTime() - kind.expiry.defaultAfterMs(ctx));
      for (;;) {
        const n = await this.repo.takeExpired(kind.kind, cutoffs, defaultCutoff, limit, this.leadership.lease, (rows) => this.purge(kind, rows.map(expiredOf), now));
        total += n;
        if (n < limit) break;
      }
    }
    return total;
  }

  /**
   * A registry change, as the durable registry consumer hands it over: a target it ends
   * has its waiting retries cancelled, and a change that moves a kind's expiry sweeps
   * that kind at once.
   */
  async onRegistryChange(change: RegistryChange): Promise<void> {
    for (const kind of this.kinds.kinds.all()) {
      const ended = kind.endsTarget?.(change);
      if (ended) await this.cancelForTarget(change.tenantId, kind.kind, ended.target, ended.reason);
      if (kind.expiry?.changedBy(change)) await this.purgeExpired(new Date(), 500, kind.kind);
    }
  }

  /**
   * Parked orders wait in the agenda like retries, under the same attempt number and
   * without a "scheduled" fact: they were never tried, their target was busy. Each is
   * released, cancelled with its target, or expired like any other row.
   */
  async onParked(parked: readonly ParkedOrder[]): Promise<void> {
    await this.repo.upsertParked(parked.map((p) => ({ order: upgradeDeliveryMessage(p.order), dueAt: new Date(p.dueAt) })));
  }

  /** A resend got through before the scheduled retry: the delivery needs no retry. */
  async onResendSucceeded(deliveryIds: string[]): Promise<void> {
    await this.repo.removeDeliveries(deliveryIds);
  }

  /** A target that is gone gets no more attempts: its waiting retries are cancelled. */
  async cancelForTarget(tenantId: string, kind: string, target: string, reason: string): Promise<number> {
    const rows = await this.repo.removeForTarget(tenantId, kind, target);
    const at = new Date().toISOString();
    await Promise.all(rows.map((r) => this.lifecycle({ type: 'cancelled', deliveryId: r.delivery_id, tenantId, kind: r.kind, at, reason })));
    return rows.length;
  }

  /**
   * Records the deletion of expired, undelivered deliveries: a "purged" fact for each
   * (the delivery log shows it), and per tenant and target one audit record of how many
   * and which (a change of the kind's audit entity, actor system), so the history says
   * what went.
   */
  private async purge(kind: ExpiringKind, items: Expired[], now: Date): Promise<void> {
    if (items.length === 0) return;
    const at = now.toISOString();
    const ctx = this.kinds.context(this.view());
    await Promise.all(
      items.map((x) => this.lifecycle({ type: 'purged', deliveryId: x.deliveryId, tenantId: x.tenantId, kind: kind.kind, at, reason: kind.expiry.reason(ctx, x.tenantId) })),
    );
    const groups = new Map<string, Expired[]>();
    for (const x of items) {
      const key = `${x.tenantId}\u0000${x.order.target}`;
      const group = groups.get(key);
      if (group) group.push(x);
      else groups.set(key, [x]);
    }
    await Promise.all(
      [...groups].map(async ([key, group]) => {
        const [tenantId, target] = key.split('\u0000');
        const ids = group.map((x) => x.deliveryId).sort();
        const reason = kind.expiry.reason(ctx, tenantId);
        const change: RegistryChange = {
          // Derived from what was deleted, so a repeated publish is recognised as a duplicate.
          id: stableUuid(`${kind.kind}-purge`, tenantId, target, ...ids),
          tenantId,
          entity: kind.expiry.auditEntity,
          entityId: target,
          action: 'purged',
          actor: { kind: 'system', reason: `${kind.targetNoun} expiry (retry-scheduler)` },
          at,
          before: null,
          after: null,
          detail: {
            count: ids.length,
            deliveryIds: ids,
            notifications: group.map((x) => ({
              id: x.deliveryId,
              ...(x.order.source ? { eventId: x.order.source.eventId, topic: x.order.source.topic } : {}),
              createdAt: x.order.createdAt,
              attempts: x.attempts,
            })),
            expireAfterMs: kind.expiry.afterMs(ctx, tenantId),
            ...kind.expiry.auditDetail?.(ctx, tenantId),
            reason,
          },
        };
        await this.publisher.publish('registry-change', registryChangeSubject(tenantId, change.entity, 'purged'), change, { msgId: change.id });
      }),
    );
  }

  /**
   * Every fact this service publishes goes through here, so the final states it decides
   * (failed, purged, cancelled while waiting) and the retries it schedules are counted
   * here, once stored.
   */
  private async lifecycle(e: DeliveryLifecycleEvent): Promise<void> {
    await this.publisher.publish('delivery-lifecycle', deliverySubjects.lifecycle(e.tenantId, e.type), e, { msgId: deliveryMsgIds.lifecycle(e) });
    if (isFinalDeliveryState(e.type)) this.deliveries.inc({ kind: e.kind, state: e.type });
    else if (e.type === 'scheduled') this.retriesScheduled.inc({ kind: e.kind });
  }
}

function expiredOf(r: ScheduledRow): Expired {
  // The agenda holds the next attempt: one fewer was made.
  return { deliveryId: r.delivery_id, tenantId: r.tenant_id, order: upgradeDeliveryMessage(r.dispatch_order), attempts: r.attempt - 1 };
}
