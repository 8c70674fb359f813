import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { LOGGER, Logger } from '@hookline/observability';
import type { RetrySchedulerConfig } from '../config';
import { Leadership } from '../leadership/leadership.service';
import { ScheduleService } from './schedule.service';

/** Wakes up every poll interval and releases the retries that are due. */
@Injectable()
export class DuePoller implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
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

  private arm(delay: number): void {
    if (this.stopped || !this.leadership.isLeader) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, delay);
  }

  private async tick(): Promise<void> {
    let released = 0;
    try {
      // Drain everything that is due before sleeping again.
      for (let n = await this.schedule.releaseDue(); n > 0 && !this.stopped && this.leadership.isLeader; n = await this.schedule.releaseDue()) released += n;
      if (released > 0) this.logger.debug({ released }, 'released due retries');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'releasing due retries failed; will try again');
    }
    this.arm(this.config.pollIntervalMs);
  }
}
