import { Injectable, OnModuleInit } from '@nestjs/common';
import { CONSUMERS, InvalidEventError, normalizeHostEvent } from '@hookline/contracts';
import { ConsumerHost, PoisonMessageError } from '@hookline/messaging';
import { EventsRepository } from './events.repository';

/** Projects every host event into audit_events. Idempotent, so redelivery never stores twice. */
@Injectable()
export class EventsConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly events: EventsRepository,
  ) {}

  onModuleInit(): void {
    this.host.register(CONSUMERS.auditEvents, 'host-event', async (msg) => {
      let event;
      try {
        event = normalizeHostEvent(msg.subject, msg.payload, msg);
      } catch (err) {
        if (err instanceof InvalidEventError) throw new PoisonMessageError(err.message);
        throw err;
      }
      await this.events.insertOnce(event, msg.streamSeq);
    });
  }
}
