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
    this.host.registerBatch(CONSUMERS.auditEvents, 'host-event', async (msgs) => {
      const events = msgs.map((msg) => {
        try {
          return { event: normalizeHostEvent(msg.subject, msg.payload, msg), streamSeq: msg.streamSeq };
        } catch (err) {
          if (err instanceof InvalidEventError) throw new PoisonMessageError(err.message);
          throw err;
        }
      });
      await this.events.insertMany(events);
    }, { maxBatch: 1000, maxWaitMs: 200, concurrency: 1 });
  }
}
