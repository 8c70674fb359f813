import { Module } from '@nestjs/common';
import { EventsConsumer } from './events.consumer';

/** Host events to deliveries. */
@Module({ providers: [EventsConsumer] })
export class FanOutModule {}
