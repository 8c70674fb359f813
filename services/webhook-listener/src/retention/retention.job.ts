// Deletes records older than their listener's retention (root rows by last_modified, their
// children with them), in batches, every HOOKLINE_LISTENER_RETENTION_SWEEP; one instance
// at a time. Each batch is audited: a "purged" change of the listener on the registry
// stream, with how many records went and the cutoff, published before the batch's delete
// commits (a failed publish rolls the delete back; the batch is tried again next sweep).
// Also trims log rings whose keepLogs changed and cleans up after deleted listeners. A
// listener that fails (its table gone, a lock timeout) is logged and skipped: the others'
// purges go on.
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { registryChangeSubject, stableUuid, type ListenerChangeState, type RegistryChange } from '@hookline/contracts';
import { JetStreamPublisher } from '@hookline/messaging';
import { LOGGER, Logger } from '@hookline/observability';
import type { WebhookListenerConfig } from '../config';
import { LogsRepository } from '../logs/logs.repository';
import { ListenersViewProvider } from '../registry-view/listeners-view.provider';
import { RetentionRepository } from './retention.repository';

@Injectable()
export class RetentionJob implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly deleted = new Set<string>();

  constructor(
    private readonly repo: RetentionRepository,
    private readonly logs: LogsRepository,
    private readonly views: ListenersViewProvider,
    private readonly publisher: JetStreamPublisher,
    @Inject(CONFIG) private readonly config: WebhookListenerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    views.view.onDeleted((_tenantId, listenerId) => this.deleted.add(listenerId));
  }

  onApplicationBootstrap(): void {
    this.arm(Math.min(this.config.retentionSweepMs, 5000));
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private arm(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .catch((err: Error) => this.logger.warn({ err: err.message }, 'listener retention sweep failed; will try again'))
        .finally(() => {
          this.running = undefined;
          this.arm(this.config.retentionSweepMs);
        });
    }, delay);
  }

  /** One sweep over every listener; returns when done (exported for the operator's tests via the timer only). */
  async sweep(now = new Date()): Promise<void> {
    await this.repo.exclusively(async () => {
      for (const id of [...this.deleted]) {
        try {
          await this.logs.forget(id);
          await this.repo.forgetVersions(id);
          this.deleted.delete(id);
        } catch (err) {
          this.logger.warn({ listenerId: id, err: messageOf(err) }, 'cleaning up after a deleted listener failed; will try again');
        }
      }
      for (const l of this.views.view.all()) {
        if (this.stopped) return;
        try {
          await this.sweepListener(l, now);
        } catch (err) {
          // The listener by its ids and name, and the error: never the records'.
          this.logger.warn({ tenantId: l.tenant, listenerId: l.id, listener: l.name, err: messageOf(err) }, 'listener retention failed for one listener; will try again');
        }
      }
    });
  }

  private async sweepListener(l: ListenerChangeState, now: Date): Promise<void> {
    await this.logs.trim(l.id, l.keepLogs);
    if (!l.structure) return;
    const structure = l.structure;
    const cutoff = new Date(now.getTime() - l.retentionSeconds * 1000);
    let purged = 0;
    for (let batch = 0; ; batch++) {
      const n = await this.repo.purgeBatch(l.tenant, structure, cutoff, this.config.purgeBatch, (count) => this.audit(l, structure.tables[0].name, count, cutoff, now, batch));
      purged += n;
      if (n < this.config.purgeBatch || this.stopped) break;
    }
    while ((await this.repo.purgeVersions(l.id, cutoff, this.config.purgeBatch)) === this.config.purgeBatch && !this.stopped);
    if (purged > 0) this.logger.info({ tenantId: l.tenant, listenerId: l.id, count: purged }, 'deleted records past their retention');
  }

  /**
   * Audits one batch, before its delete commits. The id is the sweep's and the batch's, so a
   * publish retried within the sweep is a duplicate of itself. A crash after the publish and
   * before the commit leaves an audit of a batch that was rolled back; the next sweep deletes
   * those records again and audits them again, under its own id: the records are then
   * counted twice, never not at all.
   */
  private async audit(l: ListenerChangeState, table: string, count: number, cutoff: Date, now: Date, batch: number): Promise<void> {
    const change: RegistryChange = {
      id: stableUuid('listener-purge', l.tenant, l.id, now.toISOString(), String(batch)),
      tenantId: l.tenant,
      entity: 'listener',
      entityId: l.id,
      action: 'purged',
      actor: { kind: 'system', reason: 'listener retention (webhook-listener)' },
      at: now.toISOString(),
      before: null,
      after: null,
      detail: { listener: l.name, table, count, olderThan: cutoff.toISOString(), retention: l.retention },
    };
    // A short deadline: the batch's rows stay locked while it waits.
    await this.publisher.publish('registry-change', registryChangeSubject(l.tenant, 'listener', 'purged'), change, { msgId: change.id, deadlineMs: 5000 });
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
