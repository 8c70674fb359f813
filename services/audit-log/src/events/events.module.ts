import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { StoredEvent } from './entities/stored-event.entity';
import { EventsConsumer } from './events.consumer';
import { EventsController } from './events.controller';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';

/** The host-event history: consumer into audit_events, and GET /v1/audit/events. */
@Module({
  imports: [TypeOrmModule.forFeature([StoredEvent])],
  controllers: [EventsController],
  providers: [EventsRepository, EventsService, EventsConsumer],
})
export class EventsModule {}
