import { Module } from '@nestjs/common';
import { NatsRpc } from '@hookline/messaging';
import { AttemptRunner } from './attempt-runner';
import { AttemptService } from './attempt.service';
import { FactRecorder } from './fact-recorder';
import { OrdersConsumer } from './orders.consumer';
import { SignerClient } from './signer-client';

/** Deliveries to HTTP requests, one attempt per order; signatures come from the signer over NATS, batched per tick. */
@Module({ providers: [NatsRpc, SignerClient, FactRecorder, AttemptService, AttemptRunner, OrdersConsumer], exports: [AttemptRunner, FactRecorder] })
export class AttemptsModule {}
