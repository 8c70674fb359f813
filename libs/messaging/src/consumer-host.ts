// Runs the service's durable pull consumers: bounded concurrency, explicit settlement
// (see settlement.ts), dead-lettering, and a graceful stop that finishes in-flight work.
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { HEADERS, subjects, type Channel, type ConsumerSpec, type PayloadOf } from '@hookline/contracts';
import { correlation, LOGGER, Logger } from '@hookline/observability';
import { PoisonMessageError } from './errors';
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

interface Registration {
  spec: ConsumerSpec;
  handler: MessageHandler<Channel>;
  concurrency: number;
  policy: SettlementPolicy;
  messages?: ConsumerMessages;
  inFlight: Set<Promise<void>>;
  loop?: Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@Injectable()
export class ConsumerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly registrations: Registration[] = [];
  private stopping = false;

  constructor(
    private readonly client: NatsClient,
    private readonly publisher: JetStreamPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Call from a feature module's onModuleInit; consumption starts once the app has booted. */
  register<C extends Channel>(
    spec: ConsumerSpec,
    _channel: C,
    handler: MessageHandler<C>,
    opts: { concurrency?: number; policy?: Partial<SettlementPolicy> } = {},
  ): void {
    this.registrations.push({
      spec,
      handler: handler as unknown as MessageHandler<Channel>,
      concurrency: opts.concurrency ?? 16,
      policy: { ...DEFAULT_SETTLEMENT, maxDeliver: spec.maxDeliver, ...opts.policy },
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
    await Promise.all(this.registrations.map(async (reg) => {
      await Promise.allSettled([...reg.inFlight]);
      await reg.loop?.catch(() => undefined);
    }));
    this.logger.info('consumers stopped; in-flight work settled');
  }

  private async run(reg: Registration): Promise<void> {
    const { stream, durable } = reg.spec;
    let slots = reg.concurrency;
    const waiters: (() => void)[] = [];
    const acquire = async () => {
      while (slots === 0) await new Promise<void>((r) => waiters.push(r));
      slots--;
    };
    const release = () => {
      slots++;
      waiters.shift()?.();
    };
    while (!this.stopping) {
      try {
        const consumer = await this.client.js.consumers.get(stream, durable);
        const messages = await consumer.consume({ max_messages: Math.max(reg.concurrency * 2, 16) });
        reg.messages = messages;
        if (this.stopping) messages.stop();
        for await (const m of messages) {
          if (this.stopping) {
            // Already pulled but not started: hand it straight back for another instance.
            m.nak();
            continue;
          }
          await acquire();
          const p = this.handle(reg, m).finally(() => {
            reg.inFlight.delete(p);
            release();
          });
          reg.inFlight.add(p);
        }
      } catch (err) {
        if (this.stopping) break;
        this.logger.warn({ durable, err: (err as Error).message }, 'consumer loop failed; restarting');
        await sleep(1000);
      }
    }
  }

  private async handle(reg: Registration, m: JsMsg): Promise<void> {
    const headers: Record<string, string> = {};
    if (m.headers) for (const [k, v] of m.headers) headers[k] = v[0] ?? '';
    await correlation.run(headers[HEADERS.correlationId], async () => {
      let error: unknown;
      try {
        let payload: unknown;
        try {
          payload = JSON.parse(m.string());
        } catch {
          throw new PoisonMessageError('payload is not JSON');
        }
        await reg.handler({
          payload: payload as PayloadOf<Channel>,
          subject: m.subject,
          streamSeq: m.seq,
          deliveryCount: m.info.deliveryCount,
          timestampMs: m.time.getTime(),
          msgId: headers[HEADERS.msgId],
          headers,
          working: () => m.working(),
        });
      } catch (err) {
        error = err;
      }
      const s = settle(error, m.info.deliveryCount, reg.policy);
      if (s.kind === 'ack') {
        m.ack();
        return;
      }
      if (s.kind === 'nak') {
        this.logger.warn({ durable: reg.spec.durable, seq: m.seq, delivery: m.info.deliveryCount, delayMs: s.delayMs, err: (error as Error)?.message ?? String(error) }, 'handler failed; will retry');
        m.nak(s.delayMs);
        return;
      }
      try {
        await this.publisher.publishRaw(subjects.deadLetter(reg.spec.durable), m.data, {
          msgId: `dlq:${reg.spec.stream}:${m.seq}`,
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
    });
  }
}
