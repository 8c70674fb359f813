import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { LOGGER, Logger } from '@hookline/observability';
import type { RetrySchedulerConfig } from '../config';
import { Leadership } from '../leadership/leadership.service';
import { ScheduleService } from './schedule.service';

/**
 * Deletes waiting deliveries of expiring kinds (push notifications) past their tenant's
 * setting, every sweep interval. A change of the setting sweeps at once (the registry
 * changes consumer); this catches what expires as time passes.
 */
@Injectable()
export class ExpirySweeper implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly schedule: ScheduleService,
    private readonly leadership: Leadership,
    @Inject(CONFIG) private readonly config: RetrySchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Runs only on the active instance (see Leadership), from when it becomes active. */
  onModuleInit(): void {
    this.leadership.onChange((leader) => {
      clearTimeout(this.timer);
      if (leader) this.arm(0);
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Sweeps now (or right after the sweep in progress). */
  trigger(): void {
    if (!this.leadership.isLeader) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.arm(0);
  }

  private arm(delay: number): void {
    if (this.stopped || !this.leadership.isLeader) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep().finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.arm(0);
        } else this.arm(this.config.expirySweepMs);
      });
    }, delay);
  }

  private async sweep(): Promise<void> {
    try {
      const purged = await this.schedule.purgeExpired();
      if (purged > 0) this.logger.info({ purged }, 'deleted expired deliveries');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'purging expired deliveries failed; will try again');
    }
  }
}
