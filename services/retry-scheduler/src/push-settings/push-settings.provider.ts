import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { parseRegistryChange, STREAMS } from '@hookline/contracts';
import { NatsClient, StreamFollower } from '@hookline/messaging';
import { LOGGER, Logger, ReadinessRegistry } from '@hookline/observability';
import { PushSettingsState } from './push-settings-view';

/** Keeps PushSettingsState current by replaying and following hookline.registry.>. */
@Injectable()
export class PushSettingsProvider implements OnApplicationBootstrap, OnModuleDestroy {
  readonly state = new PushSettingsState();
  private follower?: StreamFollower;
  private readonly listeners: ((tenantId: string) => void)[] = [];
  private started?: Promise<void>;

  constructor(
    private readonly client: NatsClient,
    private readonly readiness: ReadinessRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Called (after the replay) whenever a tenant's notification_days_before changes. */
  onDaysChanged(listener: (tenantId: string) => void): void {
    this.listeners.push(listener);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.start();
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      this.follower = new StreamFollower(
        this.client,
        STREAMS.registry.name,
        (m) => {
          let changed = false;
          let tenantId = '';
          try {
            const change = parseRegistryChange(m.payload);
            tenantId = change.tenantId;
            changed = this.state.apply(change, m.seq);
          } catch (err) {
            this.logger.error({ seq: m.seq, err: (err as Error).message }, 'ignoring an unreadable registry change');
          }
          if (changed && this.follower?.caughtUp) for (const l of this.listeners) l(tenantId);
        },
        this.logger,
      );
      this.readiness.register('push-settings', async () => {
        if (!this.follower?.caughtUp) throw new Error('still replaying registry changes');
      });
      await this.follower.start();
      await this.follower.whenCaughtUp();
      this.logger.info({ seq: this.state.lastSeq }, 'push settings caught up');
    })();
    return this.started;
  }

  /** Waits until the replay at start is done (expiry must never be judged on defaults that are not the tenant's). */
  async caughtUp(): Promise<void> {
    await this.start();
  }

  /** Waits until every settings change published before now is applied. */
  async upToDate(): Promise<void> {
    await this.start();
    await this.follower?.upToDate();
  }

  onModuleDestroy(): void {
    this.follower?.stop();
  }
}
