import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { LOGGER, Logger } from '@hookline/observability';
import type { RegistryConfig } from '../config';
import { ReceiversService } from './receivers.service';

/**
 * Destroys the secrets of receivers deleted longer ago than HOOKLINE_RECEIVER_RESTORE_WINDOW:
 * until then a deleted receiver can be restored with its secret; after, only registered
 * again. Runs a few times per window (and at start), in batches.
 */
@Injectable()
export class ReceiverSecretsPurger implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly receivers: ReceiversService,
    @Inject(CONFIG) private readonly config: RegistryConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const every = Math.min(3_600_000, Math.max(1000, Math.floor(this.config.receiverRestoreWindowMs / 4)));
    const run = () => {
      this.running = this.purge().finally(() => {
        this.running = undefined;
      });
    };
    run();
    this.timer = setInterval(() => this.running ?? run(), every);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async purge(): Promise<void> {
    try {
      const before = new Date(Date.now() - this.config.receiverRestoreWindowMs);
      let total = 0;
      for (let n = -1; n !== 0; total += n) n = await this.receivers.destroyDeletedSecrets(before);
      if (total > 0) this.logger.info({ receivers: total }, 'destroyed the secrets of receivers deleted before the restore window');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'destroying deleted receivers\' secrets failed; will try again');
    }
  }
}
