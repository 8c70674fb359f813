import { Module } from '@nestjs/common';
import { DuePoller } from './due-poller';
import { FailedOrdersConsumer } from './failed-orders.consumer';
import { PushExpirySweeper } from './push-expiry.sweeper';
import { ReceiverDeletionsConsumer } from './receiver-deletions.consumer';
import { ScheduleRepository } from './schedule.repository';
import { ScheduleService } from './schedule.service';
import { ParkedConsumer } from './parked.consumer';
import { ResentConsumer } from './resent.consumer';

/** Retries: failed attempts in, due orders out, on the schedule the configuration gives; expired push notifications deleted. */
@Module({ providers: [ScheduleRepository, ScheduleService, FailedOrdersConsumer, ReceiverDeletionsConsumer, ResentConsumer, ParkedConsumer, DuePoller, PushExpirySweeper], exports: [ScheduleService] })
export class ScheduleModule {}
