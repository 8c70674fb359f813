import { Module } from '@nestjs/common';
import { UnitsModule } from '../units/units.module';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';

/** Host event ingestion: POST /v1/events onto hookline.events.<tenant>.<topic>. */
@Module({ imports: [UnitsModule], controllers: [EventsController], providers: [EventsService] })
export class EventsModule {}
