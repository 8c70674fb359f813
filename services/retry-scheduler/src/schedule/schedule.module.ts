import { Module } from '@nestjs/common';
import { LeaseRepository } from '../leadership/lease.repository';
import { Leadership } from '../leadership/leadership.service';
import { DuePoller } from './due-poller';
import { FailedOrdersConsumer } from './failed-orders.consumer';
import { ExpirySweeper } from './expiry.sweeper';
import { RegistryChangesConsumer } from './registry-changes.consumer';
import { ScheduleMetrics } from './schedule.metrics';
import { ScheduleRepository } from './schedule.repository';
import { ScheduleService } from './schedule.service';
import { ParkedConsumer } from './parked.consumer';
import { ResentConsumer } from './resent.consumer';

/** Retries of every delivery kind: failed attempts in, due orders out, on the kind's schedule; expired deliveries deleted; gone targets' retries cancelled. */
@Module({ providers: [LeaseRepository, Leadership, ScheduleRepository, ScheduleService, FailedOrdersConsumer, RegistryChangesConsumer, ResentConsumer, ParkedConsumer, DuePoller, ExpirySweeper, ScheduleMetrics], exports: [ScheduleService] })
export class ScheduleModule {}
