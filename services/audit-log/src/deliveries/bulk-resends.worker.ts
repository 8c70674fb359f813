import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { PRINCIPAL_REFRESHER, type Principal, type PrincipalRefresher } from '@hookline/auth';
import { CONFIG } from '@hookline/config';
import { deliveryMsgIds, deliverySubjects } from '@hookline/contracts';
import { JetStreamPublisher } from '@hookline/messaging';
import { LOGGER, Logger } from '@hookline/observability';
import type { AuditLogConfig } from '../config';
import { visibilityOf } from '../visibility';
import { BulkResendRow, BulkResendsRepository } from './bulk-resends.repository';
import { bulkFilterOf } from './bulk-resends.service';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveriesService, resendOrder } from './deliveries.service';

const PAGE = 100;
const LEASE_MS = 60_000;

/**
 * Deliveries per page: about a second's worth at the paced rate (1 to PAGE). Whoever asked
 * is looked up again before each page, so a change to them reaches a running job within
 * about a second, whatever the rate.
 */
export function bulkPageSize(ratePerSecond: number): number {
  return Math.max(1, Math.min(PAGE, Math.ceil(ratePerSecond)));
}

/**
 * Works through bulk resend jobs, newest deliveries first, at HOOKLINE_BULK_RESEND_RATE
 * orders a second (for the whole instance), so a bulk resend never crowds out new
 * deliveries: they go through their own consumer, and resends arrive at a trickle. A
 * job's progress is stored per page under a lease; after a crash another instance (or
 * this one, restarted) takes it up where it was (at least once: a page in flight may be
 * sent again, with the same delivery ids).
 */
@Injectable()
export class BulkResendsWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private stopped = false;
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private nextSendAt = 0;

  constructor(
    private readonly jobs: BulkResendsRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly service: DeliveriesService,
    private readonly publisher: JetStreamPublisher,
    @Inject(CONFIG) private readonly config: AuditLogConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(PRINCIPAL_REFRESHER) private readonly refresher?: PrincipalRefresher,
  ) {}

  onApplicationBootstrap(): void {
    this.arm(1000);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private arm(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'bulk resend failed; will try again'))
        .finally(() => {
          this.running = undefined;
          this.arm(1000);
        });
    }, delay);
  }

  private async tick(): Promise<void> {
    for (let job = await this.jobs.claim(LEASE_MS); job && !this.stopped; job = await this.jobs.claim(LEASE_MS)) await this.work(job);
  }

  /** Waits for this instance's next send slot. */
  private async pace(): Promise<void> {
    const gap = 1000 / this.config.bulkResendRate;
    const now = Date.now();
    const at = Math.max(now, this.nextSendAt);
    this.nextSendAt = at + gap;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  /**
   * Whoever asked, as the change history has them now (the same check every audit-log
   * request gets): undefined once the account was disabled, deleted or given new
   * credentials, or the user deleted, or no logs:read is left. The job was stored with the
   * grants of the moment it was asked for, and went on with them for as long as it ran:
   * a compromised account's resends kept going after it was disabled.
   */
  private async askerNow(job: BulkResendRow): Promise<{ principal: Principal; visibility: ReturnType<typeof visibilityOf> } | undefined> {
    const principal = this.refresher ? await this.refresher.refresh(job.requested_by) : job.requested_by;
    if (!principal) return undefined;
    try {
      return { principal, visibility: visibilityOf(principal) };
    } catch {
      return undefined; // no logs:read any more
    }
  }

  private async work(job: BulkResendRow): Promise<void> {
    const askedAt = new Date(job.created_at);
    const filter = bulkFilterOf(job.filter, askedAt);
    const page = bulkPageSize(this.config.bulkResendRate);
    let cursor = job.cursor_at && job.cursor_id ? { at: new Date(job.cursor_at).toISOString(), id: job.cursor_id } : undefined;
    while (!this.stopped) {
      const asker = await this.askerNow(job);
      if (!asker) {
        await this.jobs.cancel(job.tenant_id, job.id);
        this.logger.info({ job: job.id, tenant: job.tenant_id }, 'bulk resend cancelled: whoever asked for it may no longer resend');
        return;
      }
      const rows = await this.deliveries.list(job.tenant_id, filter, page, cursor, asker.visibility, true);
      let sent = 0;
      let skipped = 0;
      for (const d of rows) {
        if (this.stopped) return;
        if (this.service.resendable(asker.principal, d) !== 'yes') {
          skipped++;
          continue;
        }
        await this.pace();
        // Fixed per job, so a page sent again after a crash is recognised as a duplicate while the attempt count is unchanged.
        const order = resendOrder(d, d.attempts + 1, askedAt.toISOString());
        await this.publisher.publish('dispatch-due', deliverySubjects.due(job.tenant_id), order, { msgId: deliveryMsgIds.due(order) });
        sent++;
      }
      const last = rows[rows.length - 1];
      if (last) {
        cursor = { at: new Date(last.created_at).toISOString(), id: last.id };
        await this.jobs.progress(job.tenant_id, job.id, sent, skipped, cursor, LEASE_MS);
      }
      if (rows.length < page) {
        await this.jobs.finish(job.tenant_id, job.id);
        this.logger.info({ job: job.id, tenant: job.tenant_id }, 'bulk resend done');
        return;
      }
    }
  }
}
