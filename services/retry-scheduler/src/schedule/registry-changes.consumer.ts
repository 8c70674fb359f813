import { Injectable, OnModuleInit } from '@nestjs/common';
import { CONSUMERS, InvalidChangeError, parseRegistryChange } from '@hookline/contracts';
import { ConsumerHost, PoisonMessageError } from '@hookline/messaging';
import { RegistryViewProvider, viewNotCurrent } from '@hookline/registry-view';
import { ScheduleService } from './schedule.service';

/**
 * Registry changes that concern waiting retries, through a durable consumer so none is
 * missed while the scheduler is down: a target a kind says is gone (a receiver deleted, a
 * push type removed) has its retries cancelled at once, and a change that moves a kind's
 * expiry (notification_days_before) deletes what is now past it.
 */
@Injectable()
export class RegistryChangesConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly schedule: ScheduleService,
    private readonly registry: RegistryViewProvider,
  ) {}

  onModuleInit(): void {
    this.host.register(CONSUMERS.retrySchedulerRegistry, 'registry-change', async (msg) => {
      let change;
      try {
        change = parseRegistryChange(msg.payload);
      } catch (err) {
        if (err instanceof InvalidChangeError) throw new PoisonMessageError(err.message);
        throw err;
      }
      // Decided on a view that holds this change and everything before it.
      try {
        await this.registry.upToDate();
      } catch (err) {
        throw viewNotCurrent(err);
      }
      await this.schedule.onRegistryChange(change);
    });
  }
}
