import { Injectable } from '@nestjs/common';
import { publishedByOf, type Principal } from '@hookline/auth';
import { eventIdFor, subjects, type HostEvent } from '@hookline/contracts';
import { authorize, NotFoundError, ServiceUnavailableError, tenantScope } from '@hookline/http';
import { JetStreamPublisher, PublishFailedError } from '@hookline/messaging';
import { TenantsRepository } from '../tenants/tenants.repository';
import { UnitsRepository } from '../units/units.repository';

/** How long a tenant seen to exist is taken to exist without asking the database again. */
const KNOWN_TENANT_MS = 60_000;

export interface EventInput {
  /** With the operator token: the tenant. An account publishes into its own tenant. */
  tenant?: string;
  topic: string;
  object: { type: string; id: string; unit?: string };
  data?: Record<string, unknown>;
}

export interface AcceptedEvent {
  id: string;
  topic: string;
  duplicate: boolean;
}

@Injectable()
export class EventsService {
  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly units: UnitsRepository,
    private readonly tenants: TenantsRepository,
  ) {}

  private readonly known = new Map<string, number>();

  /** The operator names the tenant: an unknown one is a 404, as everywhere else (an account's tenant exists). */
  private async assertTenant(tenantId: string): Promise<void> {
    const until = this.known.get(tenantId);
    if (until !== undefined && until > Date.now()) return;
    if (!(await this.tenants.find(tenantId))) throw new NotFoundError(`tenant ${tenantId}`);
    if (this.known.size > 100_000) this.known.clear();
    this.known.set(tenantId, Date.now() + KNOWN_TENANT_MS);
  }

  /**
   * Resolves once JetStream has stored the event: the 202 means durable. The event id
   * doubles as the Nats-Msg-Id, so the same idempotency key yields one stored event.
   * An account needs events:publish for the topic and the object's unit.
   */
  async accept(p: Principal, input: EventInput, idempotencyKey?: string): Promise<AcceptedEvent> {
    const tenantId = tenantScope(p, input.tenant);
    if (p.kind === 'operator') await this.assertTenant(tenantId);
    else {
      const unit = input.object.unit;
      // A unit the registry does not know is just itself: only a grant naming it (or the whole tenant) covers it.
      const unitPath = unit ? ((await this.units.paths(tenantId, [unit])).get(unit) ?? [unit]) : undefined;
      authorize(p, 'events:publish', { topic: input.topic, unitPath }, `topic ${input.topic} ${unit ? `in unit ${unit}` : 'outside any unit'}`);
    }
    const id = eventIdFor(tenantId, idempotencyKey);
    const event: HostEvent = {
      id,
      tenantId,
      topic: input.topic,
      object: { type: input.object.type, id: input.object.id, ...(input.object.unit ? { unit: input.object.unit } : {}) },
      data: input.data ?? {},
      receivedAt: new Date().toISOString(),
      ...(idempotencyKey ? { idempotencyKey } : {}),
      publishedBy: publishedByOf(p),
    };
    try {
      const ack = await this.publisher.publish('host-event', subjects.event(tenantId, input.topic), event, { msgId: id });
      return { id, topic: input.topic, duplicate: ack.duplicate };
    } catch (err) {
      if (err instanceof PublishFailedError) throw new ServiceUnavailableError('the event could not be stored; retry with the same Idempotency-Key', 2);
      throw err;
    }
  }
}
