// Several retry-scheduler instances may run; one is active at a time. The active one
// holds a lease in PostgreSQL (service_leases), renewing it every third of its length;
// the others stand by, consuming nothing and releasing nothing, and try to take the
// lease over as often. Whatever an instance believes, its agenda statements only take
// rows while it really holds the lease (leaseHeld), so a paused or partitioned former
// holder cannot release a retry the new one releases too.
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { ConsumerHost } from '@hookline/messaging';
import { InstanceStats, LOGGER, Logger } from '@hookline/observability';
import type { RetrySchedulerConfig } from '../config';
import { LeaseRepository, type Lease } from './lease.repository';

export const RETRY_SCHEDULER_LEASE = 'retry-scheduler';

@Injectable()
export class Leadership implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  readonly lease: Lease;
  private leader = false;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly listeners: ((leader: boolean) => void)[] = [];

  constructor(
    private readonly leases: LeaseRepository,
    private readonly host: ConsumerHost,
    private readonly stats: InstanceStats,
    @Inject(CONFIG) private readonly config: RetrySchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.lease = { name: RETRY_SCHEDULER_LEASE, holder: stats.id };
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** Called with true when this instance becomes the active one, false when it stops being it. */
  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  onModuleInit(): void {
    // Nothing is consumed until the lease is ours.
    void this.host.setActive(false);
    this.stats.set('role', 'standby');
  }

  onApplicationBootstrap(): void {
    this.tick();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (this.leader) {
      this.set(false);
      await this.leases.release(this.lease).catch(() => undefined);
      this.logger.info('gave up the retry-scheduler lease');
    }
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = this.renew().finally(() => {
      this.running = undefined;
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), Math.max(100, Math.floor(this.config.leaseMs / 3)));
    });
  }

  private async renew(): Promise<void> {
    let held: boolean;
    try {
      held = await this.leases.acquireOrRenew(this.lease, this.config.leaseMs);
    } catch (err) {
      // The database cannot tell: act as if the lease is gone (the fencing makes acting on it useless anyway).
      this.logger.warn({ err: (err as Error).message }, 'could not renew the retry-scheduler lease');
      held = false;
    }
    if (held !== this.leader) this.set(held);
  }

  private set(leader: boolean): void {
    this.leader = leader;
    this.stats.set('role', leader ? 'leader' : 'standby');
    if (leader) this.stats.count('leadership.acquired');
    this.logger.info({ holder: this.lease.holder }, leader ? 'this instance is now the active retry-scheduler' : 'this instance stands by');
    void this.host.setActive(leader);
    for (const l of this.listeners) l(leader);
  }
}
