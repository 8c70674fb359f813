import { Module } from '@nestjs/common';
import { NatsRpc } from '@hookline/messaging';
import { AttemptRunner } from './attempt-runner';
import { AttemptService } from './attempt.service';
import { FactRecorder } from './fact-recorder';
import { OrdersConsumer } from './orders.consumer';
import { ParkRecorder } from './park-recorder';
import { SignerClient } from './signer-client';
import { Transports } from './transports/transports';

/** Deliveries to HTTP requests (or e-mails), one attempt per order; signatures come from the signer over NATS, batched per tick. */
@Module({ providers: [NatsRpc, SignerClient, FactRecorder, ParkRecorder, AttemptService, AttemptRunner, OrdersConsumer, Transports], exports: [AttemptRunner, FactRecorder] })
export class AttemptsModule {}
