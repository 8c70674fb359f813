// Applies accepted listener changes (HOOKLINE_INGEST) to the tenant's tables: a batch at a
// time, in stream order, in one transaction with the records' versions and the accepted
// requests' log entries. Each applied change is a host event (its id derived from its
// stream sequence), published before the transaction commits, the events of one topic
// several to a message (event-messages.ts); the batch is acked after the commit.
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { CONSUMERS, listenerSubjects, STREAMS, structureFingerprint, type HostEvent, type ListenerChangeState, type ListenerIngestMessage } from '@hookline/contracts';
import { ConsumerHost, JetStreamPublisher, NatsClient, PoisonMessageError, type ConsumedMessage } from '@hookline/messaging';
import { LOGGER, Logger } from '@hookline/observability';
import { KEY_LOOKUP_COSTS, lockTimeoutSql } from '@hookline/listener-tables';
import type { WebhookListenerConfig } from '../config';
import { LOCK_NOT_AVAILABLE, sqlStateOf } from '../logs/log-entries';
import { LogsRepository, type LogEntry } from '../logs/logs.repository';
import { ListenersViewProvider } from '../registry-view/listeners-view.provider';
import { changeEvent, patchBases, planBatch, recordKeyOfItem, versionKey, type Effect, type Item, type PatchBase } from './apply-plan';
import { eventMessages } from './event-messages';
import { ApplyRepository } from './apply.repository';
import { TableStatistics, writtenTables } from './table-statistics';

const METHOD = { upsert: 'POST', patch: 'PATCH', delete: 'DELETE' } as const;

/**
 * The log entry an applied change writes: its request's (the first change of a request
 * carries it), marked as an error when the change could not apply; for a later change of
 * a request, an entry of its own only when it failed.
 */
function logEntryOf(l: ListenerChangeState, msg: ListenerIngestMessage, error: string | undefined): LogEntry | undefined {
  if (msg.log) return { ...msg.log, tenantId: l.tenant, listenerId: l.id, keep: l.keepLogs, ...(error ? { state: 'error' as const, error } : {}) };
  if (!error) return undefined;
  return {
    tenantId: l.tenant,
    listenerId: l.id,
    keep: l.keepLogs,
    requestId: msg.requestId,
    method: METHOD[msg.op],
    path: `(record ${msg.index + 1} of ${msg.count} of request ${msg.requestId})`,
    status: 202,
    state: 'error',
    error,
    durationMs: 0,
    size: 0,
    records: 1,
    at: msg.acceptedAt,
  };
}

/** Whether a change was checked against another structure than the listener's in the view (or by a version that did not say). */
export function structureChanged(l: ListenerChangeState | undefined, msg: ListenerIngestMessage): boolean {
  return l?.structure != null && msg.op !== 'delete' && msg.structure !== structureFingerprint(l.structure);
}

/** JetStream's error code for "no message found" (a 404 that is an answer, not a failure). */
const JS_NO_MESSAGE_FOUND = 10037;

/**
 * Whether PostgreSQL refused a change for what it holds, so that applying it again would
 * fail again: a data exception (class 22: a value out of range) or one of its own limits
 * (54: "index row size exceeds btree maximum", "row is too big") at once; a constraint
 * (23) or cardinality (21) error only from the third delivery on, since two instances
 * creating one record at the same moment can collide once and then succeed.
 */
export function refusedForPostgres(err: unknown, deliveryCount: number): boolean {
  const code = sqlStateOf(err);
  if (code === undefined) return false;
  if (code.startsWith('22') || code.startsWith('54')) return true;
  return (code.startsWith('23') || code.startsWith('21')) && deliveryCount >= 3;
}

/** How long a patch waiting for an older change of its record is handed back for: 1 s, doubling with each wait, at most 30 s. */
export function waitDelayMs(deliveryCount: number): number {
  return Math.min(1000 * 2 ** Math.min(Math.max(deliveryCount - 1, 0), 5), 30_000);
}

@Injectable()
export class ApplyConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly repo: ApplyRepository,
    private readonly statistics: TableStatistics,
    private readonly logs: LogsRepository,
    private readonly views: ListenersViewProvider,
    private readonly publisher: JetStreamPublisher,
    private readonly nats: NatsClient,
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

  /**
   * A batch, applied. One that fails is handed back and applied again a change at a time
   * (ConsumerHost), so a change that fails alone is the one at fault: when PostgreSQL
   * refused it for what it holds (a value the ingest's checks let through), trying again
   * would fail again for as long as it is retried (about 45 minutes), so it is
   * dead-lettered (refusedForPostgres: at once, or from its third delivery) with an error
   * entry in its listener's log saying why; HOOKLINE_DEADLETTER keeps it. Any other
   * failure (no connection, a deadlock) is retried.
   */
  async apply(msgs: ConsumedMessage<'listener-ingest'>[]): Promise<void> {
    try {
      await this.applyBatch(msgs);
    } catch (err) {
      if (msgs.length !== 1 || !refusedForPostgres(err, msgs[0].failedDeliveries)) throw err;
      const why = `not applied: PostgreSQL refused it: ${(err as Error).message}`.slice(0, 1000);
      await this.logRefused(msgs[0], why, sqlStateOf(err));
      throw new PoisonMessageError(why);
    }
  }

  /** The error entry of a change PostgreSQL refused, in a transaction of its own (the apply's was rolled back). */
  private async logRefused(m: ConsumedMessage<'listener-ingest'>, error: string, sqlState: string | undefined): Promise<void> {
    const msg = m.payload;
    const l = this.views.view.byId(msg.listenerId);
    if (!l) return;
    await this.logs.append([logEntryOf(l, msg, error) as LogEntry]);
    // PostgreSQL's message quotes the value it refused (`invalid input syntax for type
    // numeric: "…"`): the tenant's log entry keeps it, the service log only its code.
    this.logger.warn({ listenerId: l.id, requestId: msg.requestId, seq: m.streamSeq, sqlState }, 'a listener change PostgreSQL refused was dead-lettered (its listener log says why)');
  }

  private async applyBatch(msgs: ConsumedMessage<'listener-ingest'>[]): Promise<void> {
    let items: Item[] = msgs.map((m) => ({ seq: m.streamSeq, msg: m.payload }));
    const msgOf = new Map(msgs.map((m) => [m.streamSeq, m]));
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
    // A change checked against another structure than the view's: the view may be behind
    // (another instance took the request after a migration this one has not seen yet), so
    // it is brought up to date before anything is mapped; if it cannot be, the batch waits.
    if (items.some((i) => structureChanged(view.byId(i.msg.listenerId), i.msg))) await this.views.upToDate();
    const listenerOf = (id: string): ListenerChangeState | undefined => view.byId(id);
    await this.repo.transaction(async (em) => {
      await em.query(KEY_LOOKUP_COSTS);
      const keys = items.flatMap((i) => {
        const recordKey = recordKeyOfItem(i, listenerOf);
        return recordKey === undefined ? [] : [{ listenerId: i.msg.listenerId, recordKey }];
      });
      const versions = await this.repo.lockVersions(em, keys);
      mark('locked');
      let plan = planBatch(items, versions, listenerOf);
      // A patch whose record has an older change not applied yet waits for it: handed back
      // for later with the record's other changes, and the rest of the batch goes on. The
      // wait ends: the older change is applied, or after its own retries dead-lettered (and
      // so gone from the stream); a wait is never counted toward dead-lettering.
      const waiting = await this.waitingRecords(patchBases(plan, versions), items);
      if (waiting.size > 0) {
        const later = items.filter((i) => {
          const recordKey = recordKeyOfItem(i, listenerOf);
          const vk = recordKey === undefined ? undefined : versionKey(i.msg.listenerId, recordKey);
          return vk !== undefined && waiting.has(vk) && i.seq > (versions.get(vk)?.seq ?? 0);
        });
        for (const i of later) {
          const m = msgOf.get(i.seq) as ConsumedMessage<'listener-ingest'>;
          m.defer(waitDelayMs(m.deliveryCount), `record ${recordKeyOfItem(i, listenerOf)} of listener ${i.msg.listenerId} has an older change not applied yet`);
        }
        this.logger.info({ records: waiting.size, changes: later.length }, 'patches wait for older changes of their records (held by another instance, or redelivered after a restart)');
        const deferred = new Set(later.map((i) => i.seq));
        items = items.filter((i) => !deferred.has(i.seq));
        plan = planBatch(items, versions, listenerOf);
      }
      if (plan.orphaned.length > 0) this.logger.warn({ count: plan.orphaned.length }, 'dropping accepted changes of listeners that were deleted or have no tables');
      const failed = [...plan.failed];
      const byListener = new Map<string, Effect[]>();
      for (const e of plan.effects) {
        const list = byListener.get(e.listenerId);
        if (list) list.push(e);
        else byListener.set(e.listenerId, [e]);
      }
      // Each listener's writes wait at most applyLockTimeoutMs for a lock on its tables (a
      // migration rewriting one, the host application locking it): past that, that
      // listener's changes in the batch are left for later and the others are applied, so
      // one locked table does not hold up every listener of the instance.
      await em.query(lockTimeoutSql(this.config.applyLockTimeoutMs));
      let lenient = 0;
      const locked = new Set<string>();
      for (const [id, effects] of byListener) {
        await em.query('SAVEPOINT listener_writes');
        try {
          const done = await this.repo.execute(em, listenerOf(id) as ListenerChangeState, effects);
          await em.query('RELEASE SAVEPOINT listener_writes');
          failed.push(...done.failed);
          lenient += done.lenient;
        } catch (err) {
          if (sqlStateOf(err) !== LOCK_NOT_AVAILABLE) throw err;
          await em.query('ROLLBACK TO SAVEPOINT listener_writes');
          locked.add(id);
        }
      }
      if (lenient > 0) this.logger.info({ changes: lenient }, 'applied changes accepted under an earlier structure of their tables, leaving out what no longer fits');
      if (locked.size > 0) {
        let n = 0;
        for (const i of items) {
          if (!locked.has(i.msg.listenerId)) continue;
          const m = msgOf.get(i.seq) as ConsumedMessage<'listener-ingest'>;
          m.defer(waitDelayMs(m.deliveryCount), `a table of listener ${i.msg.listenerId} stayed locked for ${this.config.applyLockTimeoutMs} ms`);
          n++;
        }
        this.logger.warn({ listeners: [...locked], changes: n, lockTimeoutMs: this.config.applyLockTimeoutMs }, 'a listener’s tables stayed locked: its changes wait, the others are applied');
        plan = { ...plan, effects: plan.effects.filter((e) => !locked.has(e.listenerId)), failed: plan.failed.filter((f) => !locked.has(f.item.msg.listenerId)), versions: plan.versions.filter((v) => !locked.has(v.listenerId)) };
      }
      mark('written');
      await this.repo.saveVersions(em, plan.versions, new Date());

      const failedSeqs = new Map(failed.filter((f) => !locked.has(f.item.msg.listenerId)).map((f) => [f.item.seq, f.error]));
      const entries: LogEntry[] = [];
      const events: { event: HostEvent; correlationId?: string }[] = [];
      for (const item of plan.effects.flatMap((e) => e.items).concat(plan.failed.map((f) => f.item))) {
        const l = listenerOf(item.msg.listenerId) as ListenerChangeState;
        const error = failedSeqs.get(item.seq);
        const entry = logEntryOf(l, item.msg, error);
        if (entry) entries.push(entry);
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
    this.statistics.written(writtenTables([...new Set(items.map((i) => i.msg.listenerId))].map(listenerOf)));
    this.logger.debug({ size: items.length, ms: phases }, 'applied a batch of listener changes');
  }

  /**
   * Of the records whose patch may have an older change outside this batch (patchBases),
   * those that do: HOOKLINE_INGEST is a work queue, so a change stays on the stream, under
   * its record's subject, until it is applied and acked. When nothing older than this
   * batch is left on the stream at all (the usual case, one stream-info question per batch
   * that has such patches), none does; otherwise each record's subject is asked for its
   * first change after the last one applied to it.
   */
  private async waitingRecords(bases: PatchBase[], items: Item[]): Promise<Set<string>> {
    const waiting = new Set<string>();
    if (bases.length === 0) return waiting;
    const firstInBatch = Math.min(...items.map((i) => i.seq));
    const info = await this.jsApi<{ state?: { first_seq?: number } }>(`STREAM.INFO.${STREAMS.ingest.name}`, {});
    if ((info.state?.first_seq ?? 0) >= firstInBatch) return waiting;
    await Promise.all(
      bases.map(async (b) => {
        const found = await this.jsApi<{ message?: { seq: number } }>(`STREAM.MSG.GET.${STREAMS.ingest.name}`, {
          seq: b.afterSeq + 1,
          next_by_subj: listenerSubjects.ingest(b.tenantId, b.listenerId, b.recordKey),
        });
        if (found.message && found.message.seq < b.beforeSeq) waiting.add(versionKey(b.listenerId, b.recordKey));
      }),
    );
    return waiting;
  }

  /** A JetStream API request through the services' request mux; "no message found" is an empty answer, any other error throws. */
  private async jsApi<T>(path: string, body: object): Promise<T> {
    const reply = await this.nats.requests.request(`$JS.API.${path}`, JSON.stringify(body), { timeoutMs: 5000 });
    const answer = reply.json<T & { error?: { code: number; err_code?: number; description: string } }>();
    if (answer.error && answer.error.err_code !== JS_NO_MESSAGE_FOUND) throw new Error(`${path}: ${answer.error.code} ${answer.error.description}`);
    return answer;
  }
}
