// Runs the service's durable pull consumers: bounded concurrency (per message or in
// batches), explicit settlement (see settlement.ts), dead-lettering, and a graceful
// stop that finishes and settles in-flight work.
//
// Per message it does as little as it can: headers are read only when a handler asks,
// acks are sent together once per event-loop turn (one socket write for all the
// messages that finished in it, instead of one each), and one timer per consumer tells
// the broker about long-running messages instead of a timer per message.
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { HEADERS, subjects, type Channel, type ConsumerSpec, type PayloadOf } from '@hookline/contracts';
import { correlation, extractTraceContext, InstanceStats, inSpan, LOGGER, Logger, markSpanFailed, spanContextOf, SpanKind, tracingActive, type Span } from '@hookline/observability';
import { DeferredError, PoisonMessageError } from './errors';
import { ConsumerPlaces } from './consumer-place';
import { forgetOldest } from './bounded-map';
import { GatheredPull } from './gathered-pull';
import { NatsClient } from './nats-client';
import { JetStreamPublisher } from './publisher';
import { DEFAULT_SETTLEMENT, settle, SettlementPolicy } from './settlement';

export interface ConsumedMessage<C extends Channel> {
  /** The body, decoded from JSON on first read (a body that is not JSON throws PoisonMessageError then). */
  readonly payload: PayloadOf<C>;
  subject: string;
  streamSeq: number;
  /** The server's count: every delivery of the message, hand-backs (deferrals) included. */
  deliveryCount: number;
  /**
   * The deliveries that were not hand-backs as far as this instance knows: deliveryCount
   * less the deferrals this instance settled for the message. What a handler weighs a
   * failure against (a message deferred fifty times has not failed fifty times).
   */
  failedDeliveries: number;
  timestampMs: number;
  msgId?: string;
  headers: Record<string, string>;
  /** The correlation id the message names (Hookline-Correlation-Id), if any: what a handler registered with `scope: false` passes on itself. */
  readonly correlationId?: string;
  /** Tells the server the handler is still busy, pushing back redelivery. */
  working(): void;
  /**
   * Not this one, not now (a batch handler leaving one message for later while it handles
   * the others): once the handler returns, it is handed back with this delay instead of
   * acked, as a DeferredError would be (never counted toward dead-lettering).
   */
  defer(delayMs: number, why: string): void;
}

export type MessageHandler<C extends Channel> = (msg: ConsumedMessage<C>) => Promise<void>;
export type BatchHandler<C extends Channel> = (msgs: ConsumedMessage<C>[]) => Promise<void>;

interface Registration {
  spec: ConsumerSpec;
  /** Always a batch handler; a per-message handler is a batch of one. */
  handler: BatchHandler<Channel>;
  concurrency: number;
  maxBatch: number;
  maxWaitMs: number;
  /** Whether a message naming a correlation id is handled inside a scope of it (see register). */
  scope: boolean;
  /** Pulled in gathered batches (registerBatch's `gather`) instead of a pull kept open. */
  gather: boolean;
  policy: SettlementPolicy;
  messages?: ConsumerMessages;
  puller?: GatheredPull;
  inFlight: Set<Promise<void>>;
  /** Messages being handled, with when their handling started (for the heartbeat). */
  working: Map<JsMsg, number>;
  loop?: Promise<void>;
  /** Whether the consumer's place was checked against its stream since this process (re)connected (consumer-place.ts). */
  placeChecked: boolean;
}

/** Messages a per-message consumer asks for at once (and again as they arrive). */
const PULL_PER_MESSAGE = 64;

/**
 * How long a gathered pull waits on the server while nothing is pending, before asking
 * again. Short: a pull still open when the service stops may take a message it will not
 * handle, which then waits out its ack wait.
 */
const GATHER_IDLE_WAIT_MS = 2_000;

/** How often each consumer's place is read while it runs (consumer-place.ts): the floor a repair goes back to is at most this old. */
export const PLACE_CHECK_MS = 5_000;

/** A message handled longer than this is reported as still in progress, pushing back its redelivery. */
const HEARTBEAT_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Semaphore {
  private waiters: (() => void)[] = [];
  constructor(private slots: number) {}
  async acquire(): Promise<void> {
    while (this.slots === 0) await new Promise<void>((r) => this.waiters.push(r));
    this.slots--;
  }
  release(): void {
    this.slots++;
    this.waiters.shift()?.();
  }
}

@Injectable()
export class ConsumerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly registrations: Registration[] = [];
  private stopping = false;
  private active = true;
  private activated?: { promise: Promise<void>; resolve: () => void };
  private acks: JsMsg[] = [];
  /**
   * Per message this instance handed back as deferred (DeferredError, or defer()), how
   * many times: the server counts every delivery, hand-backs included, so settlement
   * weighs a failure against the deliveries less these. Only this instance's deferrals
   * are known (one deferred on another replica counts as a delivery here: the old,
   * stricter count); bounded, the oldest forgotten first.
   */
  private readonly deferrals = new Map<string, number>();
  private heartbeat?: NodeJS.Timeout;
  private placeTimer?: NodeJS.Timeout;
  private rechecking = false;
  private readonly stats: InstanceStats;
  private readonly places: ConsumerPlaces;

  constructor(
    private readonly client: NatsClient,
    private readonly publisher: JetStreamPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() stats?: InstanceStats,
  ) {
    this.stats = stats ?? new InstanceStats();
    this.places = new ConsumerPlaces(() => this.client.jsm, logger, (durable, kind) => this.stats.count(`consumer.repaired.${kind}`));
  }

  /**
   * One message at a time per handler call, up to `concurrency` at once. Call from onModuleInit.
   * A message that names a correlation id is handled inside a correlation scope of it (its
   * log lines and what it publishes carry the id), unless `scope` is false: a hot consumer
   * then pays nothing for the scope's async hooks, and passes msg.correlationId on itself
   * where it matters (libs/observability/src/correlation.ts).
   */
  register<C extends Channel>(
    spec: ConsumerSpec,
    _channel: C,
    handler: MessageHandler<C>,
    opts: { concurrency?: number; policy?: Partial<SettlementPolicy>; scope?: boolean } = {},
  ): void {
    this.add(spec, async (msgs) => handler(msgs[0] as ConsumedMessage<C>), { concurrency: opts.concurrency ?? 16, maxBatch: 1, maxWaitMs: 0, policy: opts.policy, scope: opts.scope ?? true, gather: false });
  }

  /**
   * Batches of up to maxBatch messages, so a projection can write many rows in one
   * statement. A failing batch is retried one message at a time, so one poison message
   * cannot hold the others back.
   *
   * By default a pull stays open and a batch waits at most maxWaitMs to fill. With
   * `gather`, the consumer is asked for what it has pending once per batch
   * (gathered-pull.ts): a message arriving while the consumer is idle is handled at once,
   * and while it is busy a batch starts at most once per maxWaitMs and takes everything
   * that arrived meanwhile, delivered by the server together instead of one by one; after
   * a full batch (a backlog) the next starts at once.
   */
  registerBatch<C extends Channel>(
    spec: ConsumerSpec,
    _channel: C,
    handler: BatchHandler<C>,
    opts: { maxBatch?: number; maxWaitMs?: number; concurrency?: number; policy?: Partial<SettlementPolicy>; gather?: boolean; scope?: boolean } = {},
  ): void {
    this.add(spec, handler as unknown as BatchHandler<Channel>, {
      concurrency: opts.concurrency ?? 2,
      maxBatch: opts.maxBatch ?? 500,
      maxWaitMs: opts.maxWaitMs ?? 20,
      policy: opts.policy,
      scope: opts.scope ?? true,
      gather: opts.gather ?? false,
    });
  }

  private add(spec: ConsumerSpec, handler: BatchHandler<Channel>, o: { concurrency: number; maxBatch: number; maxWaitMs: number; policy?: Partial<SettlementPolicy>; scope: boolean; gather: boolean }): void {
    this.registrations.push({
      spec,
      handler,
      concurrency: o.concurrency,
      maxBatch: o.maxBatch,
      maxWaitMs: o.maxWaitMs,
      scope: o.scope,
      gather: o.gather,
      policy: { ...DEFAULT_SETTLEMENT, maxDeliver: spec.maxDeliver, ...o.policy },
      inFlight: new Set(),
      working: new Map(),
      placeChecked: false,
    });
  }

  specs(): ConsumerSpec[] {
    return this.registrations.map((r) => r.spec);
  }

  onApplicationBootstrap(): void {
    // After a lost connection every consumer stops, and is read again only once its place
    // in its stream has been checked (and repaired where nats-server lost it).
    this.client.onConnectionChange((status) => {
      if (status !== 'disconnect' || this.stopping) return;
      this.places.lost(this.specs());
      for (const reg of this.registrations) {
        reg.placeChecked = false;
        this.stopPulling(reg);
      }
    });
    for (const reg of this.registrations) reg.loop = this.run(reg);
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS / 2).unref();
    this.placeTimer = setInterval(() => void this.recheckPlaces(), PLACE_CHECK_MS).unref();
  }

  /** Keeps each floor known (what a "reset" goes back to), and repairs what went wrong meanwhile. */
  private async recheckPlaces(): Promise<void> {
    if (this.stopping || !this.active || this.rechecking) return;
    this.rechecking = true;
    try {
      for (const reg of this.registrations) {
        if (!reg.placeChecked) continue;
        await this.places.check(reg.spec).catch((err: Error) => this.logger.debug({ durable: reg.spec.durable, err: err.message }, 'consumer place check failed'));
      }
    } finally {
      this.rechecking = false;
    }
  }

  /** Until the consumer's place is checked: true once it is, false after a failed try (waited out). */
  private async ensurePlace(reg: Registration): Promise<boolean> {
    if (reg.placeChecked) return true;
    try {
      await this.places.check(reg.spec);
      reg.placeChecked = true;
      return true;
    } catch (err) {
      this.logger.warn({ durable: reg.spec.durable, err: (err as Error).message }, 'could not check the consumer against its stream; trying again');
      await sleep(1000);
      return false;
    }
  }

  /** Stop pulling, let in-flight handlers finish and settle, then return. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.placeTimer);
    this.activated?.resolve();
    for (const reg of this.registrations) this.stopPulling(reg);
    await Promise.all(
      this.registrations.map(async (reg) => {
        await reg.loop?.catch(() => undefined);
        await Promise.allSettled([...reg.inFlight]);
      }),
    );
    this.flushAcks();
    clearInterval(this.heartbeat);
    this.logger.info('consumers stopped; in-flight work settled');
  }

  /**
   * Stops pulling (false) until told to go on (true); what is being handled finishes and
   * settles. For a standby replica that must not take work while another is active.
   */
  async setActive(active: boolean): Promise<void> {
    if (active === this.active) return;
    this.active = active;
    if (active) {
      this.activated?.resolve();
      this.activated = undefined;
      return;
    }
    let resolve!: () => void;
    this.activated = { promise: new Promise<void>((r) => (resolve = r)), resolve: () => resolve() };
    for (const reg of this.registrations) this.stopPulling(reg);
    await Promise.all(this.registrations.map((reg) => Promise.allSettled([...reg.inFlight])));
    this.flushAcks();
  }

  private stopPulling(reg: Registration): void {
    reg.messages?.stop();
    reg.puller?.close();
  }

  /** Acks go out together at the end of the event-loop turn: one write for every message that finished in it. */
  private ack(m: JsMsg): void {
    this.acks.push(m);
    if (this.acks.length === 1) setImmediate(() => this.flushAcks());
  }

  private flushAcks(): void {
    const acks = this.acks;
    if (acks.length === 0) return;
    this.acks = [];
    for (const m of acks) m.ack();
  }

  /** Tells the broker which messages are still being worked on, so their ack wait starts again. */
  private beat(): void {
    const cutoff = Date.now() - HEARTBEAT_MS;
    for (const reg of this.registrations) for (const [m, since] of reg.working) if (since <= cutoff) m.working();
  }

  private async run(reg: Registration): Promise<void> {
    if (reg.gather) return this.runGathered(reg);
    const { stream, durable } = reg.spec;
    const slots = new Semaphore(reg.concurrency);
    while (!this.stopping) {
      if (!this.active) {
        await this.activated?.promise;
        continue;
      }
      if (!(await this.ensurePlace(reg))) continue;
      let buffer: JsMsg[] = [];
      let timer: NodeJS.Timeout | undefined;
      // Hand the buffer to a free slot; waits for one when all are busy (backpressure).
      const flush = async () => {
        clearTimeout(timer);
        timer = undefined;
        if (buffer.length === 0) return;
        const batch = buffer;
        buffer = [];
        await slots.acquire();
        this.dispatch(reg, slots, batch);
      };
      try {
        const consumer = await this.client.js.consumers.get(stream, durable);
        // Pull requests stay small for per-message handlers: the server hands a message to
        // each waiting request in turn, so replicas of a service (each with its own
        // requests) share the work evenly. Batch handlers pull enough to fill a batch.
        const pull = reg.maxBatch === 1 ? PULL_PER_MESSAGE : Math.min(Math.max(reg.concurrency * reg.maxBatch * 2, 32), 2000);
        const messages = await consumer.consume({ max_messages: pull });
        reg.messages = messages;
        if (this.stopping) messages.stop();
        if (!this.active) messages.stop();
        if (!reg.placeChecked) messages.stop();
        for await (const m of messages) {
          if (this.stopping || !this.active || !reg.placeChecked) {
            // Pulled but not started: hand it straight back for another instance.
            m.nak();
            continue;
          }
          buffer.push(m);
          if (buffer.length >= reg.maxBatch) await flush();
          else timer ??= setTimeout(() => void flush(), reg.maxWaitMs);
        }
        await flush();
      } catch (err) {
        clearTimeout(timer);
        for (const m of buffer) m.nak();
        buffer = [];
        if (this.stopping) break;
        if (!this.active || !reg.placeChecked) continue;
        this.logger.warn({ durable, err: (err as Error).message }, 'consumer loop failed; restarting');
        await sleep(1000);
      }
    }
  }

  /**
   * A gathered consumer (registerBatch's `gather`): a slot is taken first, then the consumer
   * is asked for everything pending (up to maxBatch), waiting only while nothing is; and
   * while busy, a batch starts no sooner than maxWaitMs after the one before, unless that
   * one was full. (Holding full batches back too capped a consumer at maxBatch per
   * maxWaitMs whatever the machine could do: the listener's apply at 200 per 75 ms, 2,667
   * changes a second, so at a sustained 5,900 requests a second its backlog only grew.)
   */
  private async runGathered(reg: Registration): Promise<void> {
    const { stream, durable } = reg.spec;
    const slots = new Semaphore(reg.concurrency);
    let lastStart = Number.NEGATIVE_INFINITY;
    // A full batch says more is waiting: the next one starts without the linger, which is
    // there to let a trickle gather, never to hold a backlog back.
    let lastFull = false;
    while (!this.stopping) {
      if (!this.active) {
        await this.activated?.promise;
        continue;
      }
      if (!(await this.ensurePlace(reg))) continue;
      const puller = new GatheredPull(this.client.nc, stream, durable);
      reg.puller = puller;
      try {
        while (!this.stopping && this.active && reg.placeChecked) {
          const wait = lastFull ? 0 : lastStart + reg.maxWaitMs - performance.now();
          if (wait > 0) await sleep(wait);
          await slots.acquire();
          let batch: JsMsg[];
          try {
            batch = await puller.pull(reg.maxBatch, GATHER_IDLE_WAIT_MS);
          } catch (err) {
            slots.release();
            throw err;
          }
          if (this.stopping || !this.active || !reg.placeChecked) {
            // Pulled but not started: hand it straight back for another instance.
            for (const m of batch) m.nak();
            slots.release();
            break;
          }
          if (batch.length === 0) {
            slots.release();
            continue;
          }
          lastStart = performance.now();
          lastFull = batch.length >= reg.maxBatch;
          this.dispatch(reg, slots, batch);
        }
      } catch (err) {
        if (this.stopping) break;
        if (!this.active || !reg.placeChecked) continue;
        this.logger.warn({ durable, err: (err as Error).message }, 'consumer loop failed; restarting');
        await sleep(1000);
      } finally {
        puller.close();
        if (reg.puller === puller) reg.puller = undefined;
      }
    }
  }

  /** Handles a batch in the slot taken for it, released once the batch is settled. */
  private dispatch(reg: Registration, slots: Semaphore, batch: JsMsg[]): void {
    const p = this.process(reg, batch).finally(() => {
      reg.inFlight.delete(p);
      slots.release();
    });
    reg.inFlight.add(p);
  }

  private toConsumed(m: JsMsg, deferred: Map<JsMsg, DeferredError>): ConsumedMessage<Channel> {
    const info = m.info;
    let headers: Record<string, string> | undefined;
    let payload: unknown;
    let parsed = false;
    return {
      // Parsed on first read: a handler that can tell from the subject that there is nothing
      // to do (the dispatcher, for a topic nobody receives) never pays for decoding the body.
      // A body that is not JSON throws here, inside the handler, and is dead-lettered as before.
      get payload() {
        if (!parsed) {
          try {
            payload = JSON.parse(m.string());
          } catch {
            throw new PoisonMessageError('payload is not JSON');
          }
          parsed = true;
        }
        return payload as PayloadOf<Channel>;
      },
      subject: m.subject,
      streamSeq: info.streamSequence,
      deliveryCount: info.deliveryCount,
      failedDeliveries: this.failedDeliveries(m),
      timestampMs: Math.floor(info.timestampNanos / 1e6),
      msgId: m.headers?.get(HEADERS.msgId) || undefined,
      get correlationId() {
        return correlationIdOf(m);
      },
      // Built on first use: most handlers never read a header.
      get headers() {
        if (!headers) {
          headers = {};
          if (m.headers) for (const [k, v] of m.headers) headers[k] = v[0] ?? '';
        }
        return headers;
      },
      working: () => m.working(),
      defer: (delayMs: number, why: string) => void deferred.set(m, new DeferredError(why, delayMs)),
    };
  }

  private async process(reg: Registration, batch: JsMsg[]): Promise<void> {
    const started = Date.now();
    for (const m of batch) reg.working.set(m, started);
    try {
      if (batch.length === 1) return await this.processOne(reg, batch[0]);
      const decoded: ConsumedMessage<Channel>[] = [];
      const deferred = new Map<JsMsg, DeferredError>();
      try {
        for (const m of batch) decoded.push(this.toConsumed(m, deferred));
        await this.traced(reg, batch, () => reg.handler(decoded));
      } catch (err) {
        this.logger.warn({ durable: reg.spec.durable, size: batch.length, err: (err as Error).message }, 'batch failed; settling its messages one by one');
        for (const m of batch) await this.processOne(reg, m);
        return;
      }
      if (deferred.size === 0) {
        this.counted(reg, batch);
        for (const m of batch) this.ack(m);
        if (this.deferrals.size > 0) for (const m of batch) this.deferrals.delete(deferralKey(m));
        return;
      }
      for (const m of batch) await this.settleMessage(reg, m, deferred.get(m));
    } finally {
      for (const m of batch) reg.working.delete(m);
    }
  }

  private async processOne(reg: Registration, m: JsMsg): Promise<void> {
    const run = async (span?: Span) => {
      let error: unknown;
      const deferred = new Map<JsMsg, DeferredError>();
      try {
        await reg.handler([this.toConsumed(m, deferred)]);
        error = deferred.get(m);
      } catch (err) {
        error = err;
        markSpanFailed(span, err);
      }
      await this.settleMessage(reg, m, error);
    };
    // A message that names no correlation id gets none made up for it (the handler's log lines then have none).
    const corr = correlationIdOf(m);
    const go = tracingActive() ? () => this.traced(reg, [m], run) : run;
    await (corr && reg.scope ? correlation.run(corr, go) : go());
  }

  /**
   * With traces on, `fn` runs in a consumer span: the child of the span that published
   * the (first) message, linked to the others' when a batch handler takes several.
   */
  private traced(reg: Registration, msgs: JsMsg[], fn: (span?: Span) => Promise<void>): Promise<void> {
    if (!tracingActive()) return fn();
    const parent = extractTraceContext(msgs[0].headers);
    const links = [];
    for (let i = 1; i < msgs.length; i++) {
      const sc = spanContextOf(extractTraceContext(msgs[i].headers));
      if (sc) links.push({ context: sc });
    }
    const attributes = {
      'messaging.system': 'nats',
      'messaging.operation.type': 'process',
      'messaging.destination.name': msgs[0].subject,
      'messaging.consumer.group.name': reg.spec.durable,
      'messaging.batch.message_count': msgs.length,
      'hookline.jetstream.stream': reg.spec.stream,
      'hookline.jetstream.delivery_count': msgs[0].info.deliveryCount,
    };
    return inSpan(`process ${reg.spec.durable}`, { kind: SpanKind.CONSUMER, parent, root: true, links, attributes }, fn);
  }

  /** Per-instance work counters: messages handled, and how many of them were redeliveries. */
  private counted(reg: Registration, msgs: JsMsg[]): void {
    this.stats.count(`consumed.${reg.spec.durable}`, msgs.length);
    let again = 0;
    for (const m of msgs) if (m.info.deliveryCount > 1) again++;
    if (again > 0) this.stats.count(`redelivered.${reg.spec.durable}`, again);
  }

  /** The message's deliveries less the deferrals this instance settled for it. */
  private failedDeliveries(m: JsMsg): number {
    if (this.deferrals.size === 0) return m.info.deliveryCount;
    return Math.max(1, m.info.deliveryCount - (this.deferrals.get(deferralKey(m)) ?? 0));
  }

  /** Remembers one more deferral of the message (past MAX_DEFERRALS_KEPT the oldest tenth is forgotten). */
  private deferred(m: JsMsg): void {
    const key = deferralKey(m);
    const n = (this.deferrals.get(key) ?? 0) + 1;
    this.deferrals.delete(key);
    this.deferrals.set(key, n);
    if (this.deferrals.size > MAX_DEFERRALS_KEPT) forgetOldest(this.deferrals, Math.ceil(MAX_DEFERRALS_KEPT / 10));
  }

  private async settleMessage(reg: Registration, m: JsMsg, error: unknown): Promise<void> {
    const s = settle(error, this.failedDeliveries(m), reg.policy);
    // Settled for good (acked, or dead-lettered below): its deferrals need no remembering.
    if (this.deferrals.size > 0 && s.kind !== 'nak') this.deferrals.delete(deferralKey(m));
    if (s.kind === 'ack') {
      this.counted(reg, [m]);
      this.ack(m);
      // At debug level, a line per message handled (with traces on it carries the trace id, so a trace's work can be found in the logs).
      if (this.logger.isLevelEnabled('debug')) this.logger.debug({ durable: reg.spec.durable, subject: m.subject, seq: m.seq, delivery: m.info.deliveryCount, ...correlationOf(m) }, 'message handled');
      return;
    }
    this.stats.count(`${s.kind === 'nak' ? (error instanceof DeferredError ? 'deferred' : 'retried') : 'dead-lettered'}.${reg.spec.durable}`);
    if (s.kind === 'nak') {
      this.logger[error instanceof DeferredError ? 'debug' : 'warn'](
        { durable: reg.spec.durable, seq: m.seq, delivery: m.info.deliveryCount, delayMs: s.delayMs, err: (error as Error)?.message ?? String(error), ...correlationOf(m) },
        'handler failed; will retry',
      );
      if (error instanceof DeferredError) this.deferred(m);
      m.nak(s.delayMs);
      return;
    }
    try {
      await this.publisher.publishRaw(subjects.deadLetter(reg.spec.durable), m.data, {
        // One copy per consumer: two consumers of one stream dead-letter the same message each to its own subject.
        msgId: `dlq:${reg.spec.durable}:${reg.spec.stream}:${m.seq}`,
        headers: {
          [HEADERS.dlqSubject]: m.subject,
          [HEADERS.dlqStream]: reg.spec.stream,
          [HEADERS.dlqSeq]: String(m.seq),
          [HEADERS.dlqReason]: s.reason.slice(0, 500),
        },
      });
      this.logger.error({ durable: reg.spec.durable, seq: m.seq, reason: s.reason, ...correlationOf(m) }, 'message dead-lettered');
      m.term();
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'dead-letter publish failed; will retry the message');
      m.nak(5000);
    }
  }
}

/** At most this many deferred messages are remembered per instance (about 100 bytes each). */
export const MAX_DEFERRALS_KEPT = 100_000;

/** A message's identity across its deliveries: its consumer and stream sequence. */
function deferralKey(m: JsMsg): string {
  return `${m.info.consumer}/${m.info.streamSequence}`;
}

/** The correlation id a message names (Hookline-Correlation-Id), if any. */
function correlationIdOf(m: JsMsg): string | undefined {
  return m.headers?.get(HEADERS.correlationId) || undefined;
}

/** The message's correlation id as a log field: the scope's would say the same, and an unscoped handler has none. */
function correlationOf(m: JsMsg): { correlationId?: string } {
  const id = correlationIdOf(m);
  return id ? { correlationId: id } : {};
}
