import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  CONSUMERS,
  deliveryIdFor,
  deliveryMsgIds,
  deliverySubjects,
  InvalidEventError,
  normalizeHostEvent,
  pushDeliveryIdFor,
  type DeliveryLifecycleEvent,
  type HostEvent,
} from '@hookline/contracts';
import { ConsumerHost, JetStreamPublisher, PoisonMessageError } from '@hookline/messaging';
import { RegistryViewProvider, viewNotCurrent } from '@hookline/registry-view';
import { fanOut, webhookBody } from './fan-out';
import { pushBody, pushFanOut, type PushDecision } from './push-fan-out';

/**
 * Host events in, one delivery per allowed receiver and per push notification type of
 * the event's topic out: a "created" fact, which is also the order for the first attempt
 * (or a "filtered" fact with the reason). Ids are derived from (event, receiver) and
 * (event, push type), so a redelivered event publishes duplicates the streams drop.
 */
@Injectable()
export class EventsConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly publisher: JetStreamPublisher,
    private readonly registry: RegistryViewProvider,
  ) {}

  onModuleInit(): void {
    this.host.register(
      CONSUMERS.dispatcherEvents,
      'host-event',
      async (msg) => {
        let event;
        try {
          event = normalizeHostEvent(msg.subject, msg.payload, msg);
        } catch (err) {
          if (err instanceof InvalidEventError) throw new PoisonMessageError(err.message);
          throw err;
        }
        // Receivers, grants and units as they are now: every change published before this
        // event was taken up is in the view before it is fanned out.
        try {
          await this.registry.upToDate();
        } catch (err) {
          throw viewNotCurrent(err);
        }
        const decisions = fanOut(this.registry.view, event);
        const pushes = pushFanOut(this.registry.view, event);
        if (decisions.length === 0 && pushes.length === 0) return;
        const at = new Date().toISOString();
        const source = { eventId: event.id, topic: event.topic };
        const unit = event.object.unit ? { unit: event.object.unit } : {};
        await Promise.all(pushes.map((d) => this.push(event, d, at)));
        if (decisions.length === 0) return;
        const body = webhookBody(event);
        await Promise.all(
          decisions.map(async (d) => {
            const deliveryId = deliveryIdFor(event.id, d.receiver.id);
            const common = { deliveryId, tenantId: event.tenantId, kind: 'webhook' as const, at, source, target: d.receiver.id, targetName: d.receiver.name, ...unit };
            if (!d.send) {
              await this.lifecycle({ ...common, type: 'filtered', reason: d.reason });
              return;
            }
            await this.lifecycle({ ...common, type: 'created', url: d.receiver.url, body });
          }),
        );
      },
      { concurrency: 64 },
    );
  }

  /** One push notification: to the tenant's notification_server_url, through the same attempts, retries and log. */
  private async push(event: HostEvent, d: PushDecision, at: string): Promise<void> {
    const type = d.type.type;
    const deliveryId = pushDeliveryIdFor(event.id, type);
    const source = { eventId: event.id, topic: event.topic };
    const common = { deliveryId, tenantId: event.tenantId, kind: 'push' as const, at, source, target: type, targetName: type, ...(event.object.unit ? { unit: event.object.unit } : {}) };
    if (!d.send) {
      await this.lifecycle({ ...common, type: 'filtered', reason: d.reason });
      return;
    }
    await this.lifecycle({ ...common, type: 'created', url: d.url, body: pushBody(type, event) });
  }

  private async lifecycle(e: DeliveryLifecycleEvent): Promise<void> {
    await this.publisher.publish('delivery-lifecycle', deliverySubjects.lifecycle(e.tenantId, e.type), e, { msgId: deliveryMsgIds.lifecycle(e) });
  }
}
