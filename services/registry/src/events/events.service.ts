import { Injectable } from '@nestjs/common';
import { publishedByOf, type Principal } from '@hookline/auth';
import { eventIdFor, HEADERS, subjects, type HostEvent } from '@hookline/contracts';
import { authorize, ServiceUnavailableError, tenantScope } from '@hookline/http';
import { JetStreamPublisher, PublishFailedError } from '@hookline/messaging';
import { UnitsRepository } from '../units/units.repository';

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
  ) {}

  /**
   * Resolves once JetStream has stored the event: the 202 means durable. The event id
   * doubles as the Nats-Msg-Id, so the same idempotency key yields one stored event.
   * An account needs events:publish for the topic and the object's unit. The stored event
   * carries `correlationId` (Hookline-Correlation-Id) when given, else the open scope's.
   */
  async accept(p: Principal, input: EventInput, idempotencyKey?: string, correlationId?: string): Promise<AcceptedEvent> {
    const tenantId = tenantScope(p, input.tenant);
    if (p.kind !== 'operator') {
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
      const ack = await this.publisher.publish('host-event', subjects.event(tenantId, input.topic), event, { msgId: id, ...(correlationId ? { headers: { [HEADERS.correlationId]: correlationId } } : {}) });
      return { id, topic: input.topic, duplicate: ack.duplicate };
    } catch (err) {
      if (err instanceof PublishFailedError) throw new ServiceUnavailableError('the event could not be stored; retry with the same Idempotency-Key', 2);
      throw err;
    }
  }
}
