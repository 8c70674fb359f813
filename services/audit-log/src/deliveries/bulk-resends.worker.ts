import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
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

  private async work(job: BulkResendRow): Promise<void> {
    const askedAt = new Date(job.created_at);
    const filter = bulkFilterOf(job.filter, askedAt);
    const visibility = visibilityOf(job.requested_by);
    let cursor = job.cursor_at && job.cursor_id ? { at: new Date(job.cursor_at).toISOString(), id: job.cursor_id } : undefined;
    while (!this.stopped) {
      const rows = await this.deliveries.list(job.tenant_id, filter, PAGE, cursor, visibility, true);
      let sent = 0;
      let skipped = 0;
      for (const d of rows) {
        if (this.stopped) return;
        if (this.service.resendable(job.requested_by, d) !== 'yes') {
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
      if (rows.length < PAGE) {
        await this.jobs.finish(job.tenant_id, job.id);
        this.logger.info({ job: job.id, tenant: job.tenant_id }, 'bulk resend done');
        return;
      }
    }
  }
}
