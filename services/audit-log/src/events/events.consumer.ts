import { Injectable, OnModuleInit } from '@nestjs/common';
import { CONSUMERS, HEADERS, InvalidEventError, normalizeHostEvents } from '@hookline/contracts';
import { ConsumerHost, PoisonMessageError } from '@hookline/messaging';
import { EventsRepository } from './events.repository';

/**
 * Projects every host event into audit_events, each event of a message that carries
 * several as a row of its own. Idempotent, so redelivery never stores twice.
 */
@Injectable()
export class EventsConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly events: EventsRepository,
  ) {}

  onModuleInit(): void {
    this.host.registerBatch(CONSUMERS.auditEvents, 'host-event', async (msgs) => {
      const events = msgs.flatMap((msg) => {
        try {
          const meta = { msgId: msg.msgId, streamSeq: msg.streamSeq, timestampMs: msg.timestampMs, count: msg.headers[HEADERS.eventCount] };
          return normalizeHostEvents(msg.subject, msg.payload, meta).map((event) => ({ event, streamSeq: msg.streamSeq }));
        } catch (err) {
          if (err instanceof InvalidEventError) throw new PoisonMessageError(err.message);
          throw err;
        }
      });
      await this.events.insertMany(events);
    }, { maxBatch: 1000, maxWaitMs: 200, concurrency: 1, gather: true });
  }
}
