// Deletes records older than their listener's retention (root rows by last_modified, their
// children with them), in batches, every HOOKLINE_LISTENER_RETENTION_SWEEP; one instance
// at a time. Each listener's purge is audited: a "purged" change of the listener on the
// registry stream, with how many records went and the cutoff. Also trims log rings whose
// keepLogs was lowered and cleans up after deleted listeners.
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { registryChangeSubject, stableUuid, type RegistryChange } from '@hookline/contracts';
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
        await this.logs.forget(id);
        await this.repo.forgetVersions(id);
        this.deleted.delete(id);
      }
      for (const l of this.views.view.all()) {
        if (this.stopped) return;
        await this.logs.trim(l.id, l.keepLogs);
        if (!l.structure) continue;
        const cutoff = new Date(now.getTime() - l.retentionSeconds * 1000);
        let purged = 0;
        for (;;) {
          const n = await this.repo.purgeBatch(l.tenant, l.structure, cutoff, this.config.purgeBatch);
          purged += n;
          if (n < this.config.purgeBatch || this.stopped) break;
        }
        while ((await this.repo.purgeVersions(l.id, cutoff, this.config.purgeBatch)) === this.config.purgeBatch && !this.stopped);
        if (purged > 0) await this.audit(l.tenant, l.id, l.name, l.structure.tables[0].name, purged, cutoff, l.retention, now);
      }
    });
  }

  private async audit(tenantId: string, listenerId: string, name: string, table: string, count: number, cutoff: Date, retention: string, now: Date): Promise<void> {
    const change: RegistryChange = {
      // Derived from the run, so a repeated publish is recognised as a duplicate.
      id: stableUuid('listener-purge', tenantId, listenerId, now.toISOString()),
      tenantId,
      entity: 'listener',
      entityId: listenerId,
      action: 'purged',
      actor: { kind: 'system', reason: 'listener retention (webhook-listener)' },
      at: now.toISOString(),
      before: null,
      after: null,
      detail: { listener: name, table, count, olderThan: cutoff.toISOString(), retention },
    };
    await this.publisher.publish('registry-change', registryChangeSubject(tenantId, 'listener', 'purged'), change, { msgId: change.id });
    this.logger.info({ tenantId, listenerId, count }, 'deleted records past their retention');
  }
}
