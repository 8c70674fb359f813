import { Module } from '@nestjs/common';
import { NatsRpc } from '@hookline/messaging';
import { AttemptService } from './attempt.service';
import { OrdersConsumer } from './orders.consumer';
import { Transports } from './transports/transports';

/** Deliveries to HTTP requests (or e-mails), one attempt per order; signatures come from the signer over NATS. */
@Module({ providers: [NatsRpc, AttemptService, OrdersConsumer, Transports] })
export class AttemptsModule {}
