import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { InvalidChangeError, parseRegistryChange, STREAMS, type RegistryChange } from '@hookline/contracts';
import { DeferredError, NatsClient, RetryableError, StreamFollower, StuckFollowerError, UnreadableMessageError } from '@hookline/messaging';
import { LOGGER, Logger, ReadinessRegistry } from '@hookline/observability';
import type { RegistryViewConfig } from './registry-view.config';
import { RegistryView } from './registry-view';

/**
 * Keeps a RegistryView current by replaying and following hookline.registry.>. A change
 * it cannot read stops the view there: the service reports not ready and `view` throws
 * (so nothing is decided on a view that may have missed a receiver's deletion or a
 * grant's change) until a fixed version runs or an operator skips the change.
 */
@Injectable()
export class RegistryViewProvider implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly state = new RegistryView();
  private follower?: StreamFollower;
  private started?: Promise<void>;
  private readonly listeners: ((change: RegistryChange) => void)[] = [];

  constructor(
    private readonly client: NatsClient,
    private readonly readiness: ReadinessRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) private readonly config: RegistryViewConfig,
  ) {}

  /** The view as it is now. Throws StuckFollowerError while the view is stopped at a change it cannot read. */
  get view(): RegistryView {
    this.follower?.assertServing();
    return this.state;
  }

  /** Called for each change applied after the replay at start. */
  onChange(listener: (change: RegistryChange) => void): void {
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
          let change: RegistryChange;
          try {
            change = parseRegistryChange(m.payload);
            this.state.apply(change, m.seq);
          } catch (err) {
            if (err instanceof InvalidChangeError) throw new UnreadableMessageError(err.message);
            throw err;
          }
          if (this.follower?.caughtUp) for (const l of this.listeners) l(change);
        },
        this.logger,
        { skip: new Set(this.config.registrySkip) },
      );
      this.readiness.register('registry-view', async () => {
        const f = this.follower;
        f?.assertServing();
        if (!f?.caughtUp) throw new Error('still replaying registry changes');
      });
      await this.follower.start();
      await this.follower.whenCaughtUp();
      this.logger.info({ seq: this.state.lastSeq }, 'registry view caught up');
    })();
    return this.started;
  }

  /** Waits until the replay at start is done. */
  async caughtUp(): Promise<void> {
    await this.start();
  }

  /** Waits until the view holds every registry change published before now (see StreamFollower.upToDate). */
  async upToDate(): Promise<void> {
    await this.start();
    await this.follower?.upToDate();
  }

  onModuleDestroy(): void {
    this.follower?.stop();
  }
}

/** How long work waits before it looks again at a view stopped at a change it cannot read. */
export const STUCK_VIEW_RETRY_MS = 30_000;

/**
 * What a consumer throws when the view it needs is not current: a stopped view defers
 * the message (it is not the message's fault, and it must never be dead-lettered while an
 * operator fixes the view); a view that is only behind retries it soon.
 */
export function viewNotCurrent(err: unknown): Error {
  if (err instanceof StuckFollowerError) return new DeferredError(err.message, STUCK_VIEW_RETRY_MS);
  return new RetryableError((err as Error).message, 1000);
}
