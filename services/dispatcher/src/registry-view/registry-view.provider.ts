import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { parseRegistryChange, STREAMS } from '@hookline/contracts';
import { NatsClient, StreamFollower } from '@hookline/messaging';
import { LOGGER, Logger, ReadinessRegistry } from '@hookline/observability';
import { RegistryView } from './registry-view';

/** Keeps the dispatcher's RegistryView current by replaying and following hookline.registry.>. */
@Injectable()
export class RegistryViewProvider implements OnApplicationBootstrap, OnModuleDestroy {
  readonly view = new RegistryView();
  private follower?: StreamFollower;

  constructor(
    private readonly client: NatsClient,
    private readonly readiness: ReadinessRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.follower = new StreamFollower(
      this.client,
      STREAMS.registry.name,
      (m) => {
        try {
          this.view.apply(parseRegistryChange(m.payload), m.seq);
        } catch (err) {
          this.logger.error({ seq: m.seq, err: (err as Error).message }, 'ignoring an unreadable registry change');
        }
      },
      this.logger,
    );
    this.readiness.register('registry-view', async () => {
      if (!this.follower?.caughtUp) throw new Error('still replaying registry changes');
    });
    await this.follower.start();
    await this.follower.whenCaughtUp();
    this.logger.info({ seq: this.view.lastSeq }, 'registry view caught up');
  }

  /** Waits until the view holds every registry change published before now (see StreamFollower.upToDate). */
  async upToDate(): Promise<void> {
    if (!this.follower) throw new Error('the registry view has not started');
    await this.follower.upToDate();
  }

  onModuleDestroy(): void {
    this.follower?.stop();
  }
}
