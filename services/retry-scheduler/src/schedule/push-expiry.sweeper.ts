import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { LOGGER, Logger } from '@hookline/observability';
import type { RetrySchedulerConfig } from '../config';
import { PushSettingsProvider } from '../push-settings/push-settings.provider';
import { ScheduleService } from './schedule.service';

/**
 * Deletes waiting push notifications past their tenant's notification_days_before:
 * every sweep interval, and at once when a tenant changes the setting (so a shorter
 * one applies to notifications already waiting, not only to new ones).
 */
@Injectable()
export class PushExpirySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly schedule: ScheduleService,
    private readonly settings: PushSettingsProvider,
    @Inject(CONFIG) private readonly config: RetrySchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.settings.onDaysChanged(() => this.trigger());
    this.arm(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Sweeps now (or right after the sweep in progress). */
  trigger(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.arm(0);
  }

  private arm(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep().finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.arm(0);
        } else this.arm(this.config.pushExpirySweepMs);
      });
    }, delay);
  }

  private async sweep(): Promise<void> {
    try {
      const purged = await this.schedule.purgeExpired();
      if (purged > 0) this.logger.info({ purged }, 'deleted expired push notifications');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'purging expired push notifications failed; will try again');
    }
  }
}
