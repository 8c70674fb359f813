// Runs the service's durable pull consumers: bounded concurrency (per message or in
// batches), explicit settlement (see settlement.ts), dead-lettering, and a graceful
// stop that finishes and settles in-flight work.
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { HEADERS, subjects, type Channel, type ConsumerSpec, type PayloadOf } from '@hookline/contracts';
import { correlation, LOGGER, Logger } from '@hookline/observability';
import { DeferredError, PoisonMessageError } from './errors';
import { NatsClient } from './nats-client';
import { JetStreamPublisher } from './publisher';
import { DEFAULT_SETTLEMENT, settle, SettlementPolicy } from './settlement';

export interface ConsumedMessage<C extends Channel> {
  payload: PayloadOf<C>;
  subject: string;
  streamSeq: number;
  deliveryCount: number;
  timestampMs: number;
  msgId?: string;
  headers: Record<string, string>;
  /** Tells the server the handler is still busy, pushing back redelivery. */
  working(): void;
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
  policy: SettlementPolicy;
  messages?: ConsumerMessages;
  inFlight: Set<Promise<void>>;
  loop?: Promise<void>;
}

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

  constructor(
    private readonly client: NatsClient,
    private readonly publisher: JetStreamPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** One message at a time per handler call, up to `concurrency` at once. Call from onModuleInit. */
  register<C extends Channel>(
    spec: ConsumerSpec,
    _channel: C,
    handler: MessageHandler<C>,
    opts: { concurrency?: number; policy?: Partial<SettlementPolicy> } = {},
  ): void {
    this.add(spec, async (msgs) => handler(msgs[0] as ConsumedMessage<C>), { concurrency: opts.concurrency ?? 16, maxBatch: 1, maxWaitMs: 0, policy: opts.policy });
  }

  /**
   * Batches of up to maxBatch messages (waiting at most maxWaitMs to fill one), so a
   * projection can write many rows in one statement. A failing batch is retried one
   * message at a time, so one poison message cannot hold the others back.
   */
  registerBatch<C extends Channel>(
    spec: ConsumerSpec,
    _channel: C,
    handler: BatchHandler<C>,
    opts: { maxBatch?: number; maxWaitMs?: number; concurrency?: number; policy?: Partial<SettlementPolicy> } = {},
  ): void {
    this.add(spec, handler as unknown as BatchHandler<Channel>, { concurrency: opts.concurrency ?? 2, maxBatch: opts.maxBatch ?? 500, maxWaitMs: opts.maxWaitMs ?? 20, policy: opts.policy });
  }

  private add(spec: ConsumerSpec, handler: BatchHandler<Channel>, o: { concurrency: number; maxBatch: number; maxWaitMs: number; policy?: Partial<SettlementPolicy> }): void {
    this.registrations.push({
      spec,
      handler,
      concurrency: o.concurrency,
      maxBatch: o.maxBatch,
      maxWaitMs: o.maxWaitMs,
      policy: { ...DEFAULT_SETTLEMENT, maxDeliver: spec.maxDeliver, ...o.policy },
      inFlight: new Set(),
    });
  }

  specs(): ConsumerSpec[] {
    return this.registrations.map((r) => r.spec);
  }

  onApplicationBootstrap(): void {
    for (const reg of this.registrations) reg.loop = this.run(reg);
  }

  /** Stop pulling, let in-flight handlers finish and settle, then return. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    for (const reg of this.registrations) reg.messages?.stop();
    await Promise.all(
      this.registrations.map(async (reg) => {
        await reg.loop?.catch(() => undefined);
        await Promise.allSettled([...reg.inFlight]);
      }),
    );
    this.logger.info('consumers stopped; in-flight work settled');
  }

  private async run(reg: Registration): Promise<void> {
    const { stream, durable } = reg.spec;
    const slots = new Semaphore(reg.concurrency);
    while (!this.stopping) {
      let buffer: JsMsg[] = [];
      let timer: NodeJS.Timeout | undefined;
      const dispatch = (batch: JsMsg[]) => {
        const p = this.process(reg, batch).finally(() => {
          reg.inFlight.delete(p);
          slots.release();
        });
        reg.inFlight.add(p);
      };
      // Hand the buffer to a free slot; waits for one when all are busy (backpressure).
      const flush = async () => {
        clearTimeout(timer);
        timer = undefined;
        if (buffer.length === 0) return;
        const batch = buffer;
        buffer = [];
        await slots.acquire();
        dispatch(batch);
      };
      try {
        const consumer = await this.client.js.consumers.get(stream, durable);
        const messages = await consumer.consume({ max_messages: Math.max(reg.concurrency * reg.maxBatch * 2, 32) });
        reg.messages = messages;
        if (this.stopping) messages.stop();
        for await (const m of messages) {
          if (this.stopping) {
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
        if (this.stopping) break;
        this.logger.warn({ durable, err: (err as Error).message }, 'consumer loop failed; restarting');
        await sleep(1000);
      }
    }
  }

  private toConsumed(m: JsMsg): ConsumedMessage<Channel> {
    const headers: Record<string, string> = {};
    if (m.headers) for (const [k, v] of m.headers) headers[k] = v[0] ?? '';
    let payload: unknown;
    try {
      payload = JSON.parse(m.string());
    } catch {
      throw new PoisonMessageError('payload is not JSON');
    }
    return {
      payload: payload as PayloadOf<Channel>,
      subject: m.subject,
      streamSeq: m.seq,
      deliveryCount: m.info.deliveryCount,
      timestampMs: m.time.getTime(),
      msgId: headers[HEADERS.msgId],
      headers,
      working: () => m.working(),
    };
  }

  private async process(reg: Registration, batch: JsMsg[]): Promise<void> {
    if (batch.length === 1) return this.processOne(reg, batch[0]);
    const decoded: ConsumedMessage<Channel>[] = [];
    try {
      for (const m of batch) decoded.push(this.toConsumed(m));
      await reg.handler(decoded);
    } catch (err) {
      this.logger.warn({ durable: reg.spec.durable, size: batch.length, err: (err as Error).message }, 'batch failed; settling its messages one by one');
      for (const m of batch) await this.processOne(reg, m);
      return;
    }
    for (const m of batch) m.ack();
  }

  private async processOne(reg: Registration, m: JsMsg): Promise<void> {
    await correlation.run(m.headers?.get(HEADERS.correlationId) || undefined, async () => {
      let error: unknown;
      try {
        await reg.handler([this.toConsumed(m)]);
      } catch (err) {
        error = err;
      }
      await this.settleMessage(reg, m, error);
    });
  }

  private async settleMessage(reg: Registration, m: JsMsg, error: unknown): Promise<void> {
    const s = settle(error, m.info.deliveryCount, reg.policy);
    if (s.kind === 'ack') {
      m.ack();
      return;
    }
    if (s.kind === 'nak') {
      this.logger[error instanceof DeferredError ? 'debug' : 'warn'](
        { durable: reg.spec.durable, seq: m.seq, delivery: m.info.deliveryCount, delayMs: s.delayMs, err: (error as Error)?.message ?? String(error) },
        'handler failed; will retry',
      );
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
      this.logger.error({ durable: reg.spec.durable, seq: m.seq, reason: s.reason }, 'message dead-lettered');
      m.term();
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'dead-letter publish failed; will retry the message');
      m.nak(5000);
    }
  }
}
