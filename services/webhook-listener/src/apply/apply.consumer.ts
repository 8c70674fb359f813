// Applies accepted listener changes (HOOKLINE_INGEST) to the tenant's tables: a batch at a
// time, in stream order, in one transaction with the records' versions and the accepted
// requests' log entries. Each applied change is a host event (its id derived from its
// stream sequence), published before the transaction commits, the events of one topic
// several to a message (event-messages.ts); the batch is acked after the commit.
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { CONSUMERS, type HostEvent, type ListenerChangeState } from '@hookline/contracts';
import { ConsumerHost, JetStreamPublisher, type ConsumedMessage } from '@hookline/messaging';
import { LOGGER, Logger } from '@hookline/observability';
import type { WebhookListenerConfig } from '../config';
import { LogsRepository, type LogEntry } from '../logs/logs.repository';
import { ListenersViewProvider } from '../registry-view/listeners-view.provider';
import { changeEvent, planBatch, recordKeyOfItem, type Effect, type Item } from './apply-plan';
import { eventMessages } from './event-messages';
import { ApplyRepository } from './apply.repository';

const METHOD = { upsert: 'POST', patch: 'PATCH', delete: 'DELETE' } as const;

@Injectable()
export class ApplyConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly repo: ApplyRepository,
    private readonly logs: LogsRepository,
    private readonly views: ListenersViewProvider,
    private readonly publisher: JetStreamPublisher,
    @Inject(CONFIG) private readonly config: WebhookListenerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * One batch at a time (stream order is the order changes were accepted), each taking
   * every change that arrived while the one before was written, and while busy at most
   * one batch per applyLingerMs: a batch costs about ten round trips to PostgreSQL
   * whatever its size, so a busy consumer writes bigger ones. The consumer is asked for
   * its pending changes once per batch (gathered), so they come from the server together
   * instead of waking this service once each; a change reaching an idle listener is
   * applied at once.
   */
  onModuleInit(): void {
    // No correlation scope (its async hooks would run for every promise of every batch,
    // libs/observability/src/correlation.ts): each host event a batch publishes carries the
    // correlation id of the request it came from, read from its message.
    // A batch that fails is applied again one change at a time, so one bad change fails alone.
    this.host.registerBatch(CONSUMERS.listenerApply, 'listener-ingest', (msgs) => this.apply(msgs), {
      maxBatch: this.config.applyBatch,
      maxWaitMs: this.config.applyLingerMs,
      concurrency: 1,
      gather: true,
      scope: false,
    });
  }

  async apply(msgs: ConsumedMessage<'listener-ingest'>[]): Promise<void> {
    const items: Item[] = msgs.map((m) => ({ seq: m.streamSeq, msg: m.payload }));
    const correlationOf = new Map(msgs.map((m) => [m.streamSeq, m.correlationId]));
    const t0 = performance.now();
    const phases: Record<string, number> = {};
    const mark = (name: string) => (phases[name] = Math.round(performance.now() - t0));
    // A change of a listener the view does not hold is dropped (its listener was deleted):
    // so the view must first have read the registry stream (after a restart the consumer
    // can start before it has), and be asked for what is newer before anything is dropped.
    await this.views.replayed;
    const view = this.views.view;
    if (items.some((i) => !view.byId(i.msg.listenerId))) await this.views.upToDate().catch(() => undefined);
    const listenerOf = (id: string): ListenerChangeState | undefined => view.byId(id);
    await this.repo.transaction(async (em) => {
      const keys = items.flatMap((i) => {
        const recordKey = recordKeyOfItem(i, listenerOf);
        return recordKey === undefined ? [] : [{ listenerId: i.msg.listenerId, recordKey }];
      });
      const versions = await this.repo.lockVersions(em, keys);
      mark('locked');
      const plan = planBatch(items, versions, listenerOf);
      if (plan.orphaned.length > 0) this.logger.warn({ count: plan.orphaned.length }, 'dropping accepted changes of listeners that were deleted or have no tables');
      const failed = [...plan.failed];
      const byListener = new Map<string, Effect[]>();
      for (const e of plan.effects) {
        const list = byListener.get(e.listenerId);
        if (list) list.push(e);
        else byListener.set(e.listenerId, [e]);
      }
      for (const [id, effects] of byListener) failed.push(...(await this.repo.execute(em, listenerOf(id) as ListenerChangeState, effects)));
      mark('written');
      await this.repo.saveVersions(em, plan.versions, new Date());

      const failedSeqs = new Map(failed.map((f) => [f.item.seq, f.error]));
      const entries: LogEntry[] = [];
      const events: { event: HostEvent; correlationId?: string }[] = [];
      for (const item of plan.effects.flatMap((e) => e.items).concat(plan.failed.map((f) => f.item))) {
        const l = listenerOf(item.msg.listenerId) as ListenerChangeState;
        const error = failedSeqs.get(item.seq);
        const log = item.msg.log;
        if (log) entries.push({ ...log, tenantId: l.tenant, listenerId: l.id, keep: l.keepLogs, ...(error ? { state: 'error', error } : {}) });
        else if (error) {
          entries.push({
            tenantId: l.tenant,
            listenerId: l.id,
            keep: l.keepLogs,
            requestId: item.msg.requestId,
            method: METHOD[item.msg.op],
            path: `(record ${item.msg.index + 1} of ${item.msg.count} of request ${item.msg.requestId})`,
            status: 202,
            state: 'error',
            error,
            durationMs: 0,
            size: 0,
            records: 1,
            at: item.msg.acceptedAt,
          });
        }
        if (!error) {
          const corr = correlationOf.get(item.seq);
          events.push({ event: changeEvent(l, item), ...(corr ? { correlationId: corr } : {}) });
        }
      }
      const published = Promise.all(eventMessages(events).map((m) => this.publisher.publishRaw(m.subject, m.body, { msgId: m.msgId, headers: m.headers })));
      // Awaited below; a failure of the log write first must not leave it unhandled.
      published.catch(() => undefined);
      await this.logs.append(entries, em);
      mark('logged');
      // Published before the commit: a crash in between applies the batch again, and the
      // events come out as duplicates of themselves.
      await published;
      mark('published');
    });
    mark('committed');
    this.logger.debug({ size: items.length, ms: phases }, 'applied a batch of listener changes');
  }
}
