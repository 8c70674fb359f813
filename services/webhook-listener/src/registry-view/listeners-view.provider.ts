import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { parseRegistryChange, STREAMS } from '@hookline/contracts';
import { NatsClient, StreamFollower } from '@hookline/messaging';
import { LOGGER, Logger, ReadinessRegistry } from '@hookline/observability';
import { ListenersView } from './listeners-view';

/** Keeps the ListenersView current by replaying and following hookline.registry.>. */
@Injectable()
export class ListenersViewProvider implements OnApplicationBootstrap, OnModuleDestroy {
  readonly view = new ListenersView();
  private follower?: StreamFollower;
  private markReplayed!: () => void;
  /**
   * Resolves once the view has replayed the registry stream at start. Nest may start the
   * consumers (their own onApplicationBootstrap) before this provider's has finished, so
   * what reads the view from a consumer waits for this first.
   */
  readonly replayed = new Promise<void>((r) => (this.markReplayed = r));

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
    this.markReplayed();
    this.logger.info({ seq: this.view.lastSeq }, 'listener view caught up');
  }

  /**
   * Waits until the view holds every registry change published before now. Called before
   * a request is refused as unknown or unauthorised, so a listener or token created a
   * moment ago is never turned away.
   */
  async upToDate(timeoutMs = 2000): Promise<void> {
    if (!this.follower) throw new Error('the listener view has not started');
    await this.follower.upToDate(timeoutMs);
  }

  onModuleDestroy(): void {
    this.follower?.stop();
  }
}
