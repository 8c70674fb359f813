// After a batch is in the log: for deliveries of kinds a person waits for (the profile's
// `live`), publish each one's state as the log now has it on core NATS, so a page that
// follows the delivery (the integration job's event stream, on any audit-log instance)
// hears at once. Only live kinds cost the extra read: webhooks and push notifications none.
import { Inject, Injectable } from '@nestjs/common';
import { liveSubjects, type DeliveryLiveUpdate } from '@hookline/contracts';
import { DeliveryKindsService } from '@hookline/delivery';
import { NatsClient } from '@hookline/messaging';
import { LOGGER, Logger } from '@hookline/observability';
import type { DeliveryRowPatch } from './delivery-projection';
import { DeliveriesRepository } from './deliveries.repository';

@Injectable()
export class DeliveryLivePublisher {
  constructor(
    private readonly kinds: DeliveryKindsService,
    private readonly repo: DeliveriesRepository,
    private readonly nats: NatsClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private isLive(kind: string): boolean {
    return this.kinds.kinds.has(kind) && this.kinds.kinds.get(kind).live === true;
  }

  async recorded(patches: readonly DeliveryRowPatch[]): Promise<void> {
    const ids = patches.filter((d) => this.isLive(d.kind)).map((d) => d.id);
    if (ids.length === 0) return;
    try {
      const at = new Date().toISOString();
      for (const d of await this.repo.findMany(ids)) {
        const update: DeliveryLiveUpdate = {
          type: 'recorded',
          deliveryId: d.id,
          tenantId: d.tenant_id,
          status: d.status,
          attempts: d.attempts,
          lastStatusCode: d.last_status_code,
          lastErrorClass: d.last_error_class,
          statusReason: d.status_reason,
          at,
        };
        this.nats.nc.publish(liveSubjects.delivery(d.tenant_id, d.id), JSON.stringify(update));
      }
    } catch (err) {
      // The log itself is written; a page that missed this update reads the state instead.
      this.logger.warn({ err: (err as Error).message, deliveries: ids.length }, 'live delivery updates not published');
    }
  }
}
