import { Module } from '@nestjs/common';
import { AttemptsModule } from '../attempts/attempts.module';
import { EventsConsumer } from './events.consumer';

/** Host events to deliveries: first attempts made at once where the receiver has room. */
@Module({ imports: [AttemptsModule], providers: [EventsConsumer] })
export class FanOutModule {}
