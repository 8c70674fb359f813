import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import {
  CONSUMERS,
  deliveryIdFor,
  deliveryMsgIds,
  deliverySubjects,
  HEADERS,
  hostEventRoute,
  InvalidEventError,
  normalizeHostEvents,
  pushDeliveryIdFor,
  type DeliveryCreated,
  type HostEvent,
  type DeliveryLifecycleEvent,
} from '@hookline/contracts';
import { ConsumerHost, JetStreamPublisher, PoisonMessageError } from '@hookline/messaging';
import { InstanceStats } from '@hookline/observability';
import { RegistryViewProvider, viewNotCurrent, type RegistryView } from '@hookline/registry-view';
import { AttemptRunner, SLOW_MS } from '../attempts/attempt-runner';
import { FactRecorder } from '../attempts/fact-recorder';
import type { DispatcherConfig } from '../config';
import { fanOut, receiversFor, webhookBody } from './fan-out';
import { pushBody, pushFanOut } from './push-fan-out';

/**
 * Host events in, one delivery per allowed receiver and per push notification type of
 * the event's topic out (or a "filtered" fact with the reason). Ids are derived from
 * (event, receiver) and (event, push type), ordered by the event's time, so a
 * redelivered event yields the same deliveries.
 *
 * A delivery whose receiver has room is attempted right here, and its "created" fact is
 * recorded together with the outcome; the host event is acked only once every one of its
 * deliveries is recorded that way, parked, or published as an order, and is handed back
 * (one delivery failed) only once all the others have finished too. A delivery whose
 * receiver is busy gets its "created" fact published on its own: that is the order the
 * first-attempts consumer takes up, with hand-backs and parking; one whose receiver's
 * turn is further off than an order is ever handed back for has its "created" fact
 * recorded and its order parked from here at once. So a delivery that goes through at
 * once costs the broker no message of its own besides a share of a fact batch, and
 * nothing is lost if this process dies: the unacked event is delivered again.
 */
@Injectable()
export class EventsConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly publisher: JetStreamPublisher,
    private readonly registry: RegistryViewProvider,
    private readonly runner: AttemptRunner,
    private readonly facts: FactRecorder,
    private readonly stats: InstanceStats,
    @Inject(CONFIG) private readonly config: DispatcherConfig,
  ) {}

  onModuleInit(): void {
    this.host.register(
      CONSUMERS.dispatcherEvents,
      'host-event',
      async (msg) => {
        // Where latency tails come from, counted per stage (GET /health): here, from the broker storing the event to this handler.
        const started = Date.now();
        this.slow('to-handler', started - msg.timestampMs);
        // Receivers, grants and units as they are now: every change published before this
        // event was taken up is in the view before it is fanned out.
        try {
          await this.registry.upToDate();
        } catch (err) {
          throw viewNotCurrent(err);
        }
        this.slow('view', Date.now() - started);
        const view = this.registry.view;
        // Who asked for the topic is known from the subject: an event nobody receives (a
        // listener's record changes, most often) is acked without decoding its body. Its
        // limits are still checked by the audit log, which keeps every event.
        const route = hostEventRoute(msg.subject);
        const receivers = route ? receiversFor(view, route.tenantId, route.topic) : [];
        const pushTypes = route ? view.pushTypesFor(route.tenantId, route.topic) : [];
        if (route && receivers.length === 0 && pushTypes.length === 0) {
          this.stats.count('events.unrouted', Number(msg.headers[HEADERS.eventCount] ?? 1) || 1);
          return;
        }
        let events: HostEvent[];
        try {
          events = normalizeHostEvents(msg.subject, msg.payload, { msgId: msg.msgId, streamSeq: msg.streamSeq, timestampMs: msg.timestampMs, count: msg.headers[HEADERS.eventCount] });
        } catch (err) {
          if (err instanceof InvalidEventError) throw new PoisonMessageError(err.message);
          throw err;
        }
        // A message that carries several events (a listener's record changes) is acked once
        // every delivery of every one of them is recorded; if this process dies before, they
        // all come again, with the same delivery ids.
        const filtered: DeliveryLifecycleEvent[] = [];
        const sends: Promise<void>[] = [];
        try {
          for (const event of events) this.fanOutOne(view, event, msg.timestampMs, receivers, pushTypes, filtered, sends);
          if (filtered.length > 0) sends.push(this.facts.record(...filtered));
        } catch (err) {
          // Fan-out failed part way (a later event of the message): what it started finishes first.
          await Promise.allSettled(sends);
          throw err;
        }
        await allFinished(sends);
      },
      // Each event may wait (briefly) for its receivers' room: as many in flight as attempts may be.
      // No correlation scope: its async hooks cost every delivery 15-20 % of the dispatcher's
      // CPU at half load (libs/observability/src/correlation.ts); events, deliveries and
      // attempts are found by their own ids.
      { concurrency: this.config.attemptConcurrency, scope: false },
    );
  }

  /** One event's deliveries (to receivers that existed when it was stored, at `storedAtMs`): those to attempt go to `sends`, those filtered out (with why) to `filtered`. */
  private fanOutOne(view: RegistryView, event: HostEvent, storedAtMs: number, receivers: ReturnType<typeof receiversFor>, pushTypes: ReturnType<RegistryView['pushTypesFor']>, filtered: DeliveryLifecycleEvent[], sends: Promise<void>[]): void {
    const decisions = fanOut(view, event, receivers, storedAtMs);
    const pushes = pushFanOut(view, event, pushTypes);
    if (decisions.length === 0 && pushes.length === 0) return;
    const at = new Date().toISOString();
    const source = { eventId: event.id, topic: event.topic };
    const unit = event.object.unit ? { unit: event.object.unit } : {};
    for (const d of pushes) {
      const type = d.type.type;
      const common = { deliveryId: pushDeliveryIdFor(event.id, type, event.receivedAt), tenantId: event.tenantId, kind: 'push' as const, at, source, target: type, targetName: type, ...unit };
      if (!d.send) filtered.push({ ...common, type: 'filtered', reason: d.reason });
      else sends.push(this.deliver({ ...common, type: 'created', url: d.url, body: pushBody(type, event) }));
    }
    const body = decisions.length > 0 ? webhookBody(event) : '';
    for (const d of decisions) {
      const common = { deliveryId: deliveryIdFor(event.id, d.receiver.id, event.receivedAt), tenantId: event.tenantId, kind: 'webhook' as const, at, source, target: d.receiver.id, targetName: d.receiver.name, ...unit };
      if (!d.send) filtered.push({ ...common, type: 'filtered', reason: d.reason });
      else sends.push(this.deliver({ ...common, type: 'created', url: d.receiver.url, body }));
    }
  }

  private slow(stage: string, ms: number): void {
    if (ms < SLOW_MS) return;
    this.stats.count(`slow.${stage}`);
    this.stats.count(`slow.${stage}.ms`, Math.round(ms));
  }

  /**
   * Attempted here if its receiver has room; parked at once if its receiver's turn is far
   * off; otherwise the "created" fact is published as its order.
   */
  private async deliver(created: DeliveryCreated): Promise<void> {
    if (await this.runner.runFirst(created)) return;
    if (await this.runner.parkFirst(created)) return;
    await this.publisher.publish('delivery-lifecycle', deliverySubjects.lifecycle(created.tenantId, 'created'), created, { msgId: deliveryMsgIds.lifecycle(created) });
  }
}

/**
 * Waits until every one of `work` has finished, then fails with the first failure (in
 * the order given), if any. The event is settled only then: handed back while a sibling
 * delivery is still being attempted, it would reach the other dispatcher replica, which
 * would attempt that delivery again at the same time (OrderDedup sees only this process).
 */
async function allFinished(work: readonly Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
