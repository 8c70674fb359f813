import { Injectable } from '@nestjs/common';
import { eventIdFor, subjects, type HostEvent } from '@hookline/contracts';
import { ServiceUnavailableError, ValidationError } from '@hookline/http';
import { JetStreamPublisher, PublishFailedError } from '@hookline/messaging';

export interface EventInput {
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
  constructor(private readonly publisher: JetStreamPublisher) {}

  /**
   * Resolves once JetStream has stored the event: the 202 means durable. The event id
   * doubles as the Nats-Msg-Id, so the same idempotency key yields one stored event.
   */
  async accept(tenantId: string | undefined, input: EventInput, publishedBy: string, idempotencyKey?: string): Promise<AcceptedEvent> {
    if (!tenantId) throw new ValidationError([{ field: 'tenant', message: 'tenant is required when publishing with the operator token' }]);
    const id = eventIdFor(tenantId, idempotencyKey);
    const event: HostEvent = {
      id,
      tenantId,
      topic: input.topic,
      object: { type: input.object.type, id: input.object.id, ...(input.object.unit ? { unit: input.object.unit } : {}) },
      data: input.data ?? {},
      receivedAt: new Date().toISOString(),
      ...(idempotencyKey ? { idempotencyKey } : {}),
      publishedBy,
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
