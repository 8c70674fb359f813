import { Module } from '@nestjs/common';
import { NatsRpc } from '@hookline/messaging';
import { AttemptService } from './attempt.service';
import { OrdersConsumer } from './orders.consumer';

/** Deliveries to HTTP requests, one attempt per order; signatures come from the signer over NATS. */
@Module({ providers: [NatsRpc, AttemptService, OrdersConsumer] })
export class AttemptsModule {}
