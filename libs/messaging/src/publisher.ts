import { Inject, Injectable } from '@nestjs/common';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { HEADERS, type Channel, type PayloadOf } from '@hookline/contracts';
import { correlation, injectTraceContext, inSpan, LOGGER, Logger, SpanKind, tracingActive } from '@hookline/observability';
import { NatsClient } from './nats-client';
import { readPubAck } from './request-mux';

export interface PublishOptions {
  /** Nats-Msg-Id: the stream drops a repeat within its duplicate window. Reused on every retry. */
  msgId: string;
  headers?: Record<string, string>;
  /** How long to keep retrying while the broker is unreachable. */
  deadlineMs?: number;
}

export interface PublishResult {
  stream: string;
  seq: number;
  duplicate: boolean;
}

export class PublishFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PublishFailedError';
  }
}

/** JetStream's deduplication header. */
const MSG_ID_HEADER = 'Nats-Msg-Id';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A subject's first two tokens (hookline.events, hookline.delivery): a span name without tenant ids in it. */
export function subjectFamily(subject: string): string {
  return subject.split('.', 2).join('.');
}

/**
 * Publishes to JetStream and resolves only once the stream has stored the message.
 * A publish retried after a timeout reuses its Nats-Msg-Id, so a first attempt that
 * did land shows up as a duplicate PubAck, which counts as success.
 */
@Injectable()
export class JetStreamPublisher {
  private nextTurn?: Promise<void>;

  constructor(
    private readonly client: NatsClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Resolves at the end of this event-loop turn, the same moment for every publish made
   * in it: they then go out together, one socket write for all of them (concurrent HTTP
   * requests, each publishing its event, otherwise cost a write each).
   */
  private turn(): Promise<void> {
    return (this.nextTurn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.nextTurn = undefined;
        resolve();
      }),
    ));
  }

  async publish<C extends Channel>(_channel: C, subject: string, payload: PayloadOf<C>, opts: PublishOptions): Promise<PublishResult> {
    return this.publishRaw(subject, JSON.stringify(payload), opts);
  }

  async publishRaw(subject: string, data: string | Uint8Array, opts: PublishOptions): Promise<PublishResult> {
    const h = natsHeaders();
    h.set(MSG_ID_HEADER, opts.msgId);
    const corr = correlation.current();
    if (corr) h.set(HEADERS.correlationId, corr);
    for (const [k, v] of Object.entries(opts.headers ?? {})) h.set(k, v);
    if (!tracingActive()) return this.send(subject, data, h, opts);
    // With traces on: a producer span, whose context the message carries (traceparent) to its consumers' spans.
    return inSpan(`publish ${subjectFamily(subject)}`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'nats', 'messaging.operation.type': 'send', 'messaging.destination.name': subject, 'messaging.message.id': opts.msgId } }, async (span) => {
      injectTraceContext(h);
      const r = await this.send(subject, data, h, opts);
      span?.setAttributes({ 'hookline.jetstream.stream': r.stream, 'hookline.jetstream.seq': r.seq, 'hookline.jetstream.duplicate': r.duplicate });
      return r;
    });
  }

  private async send(subject: string, data: string | Uint8Array, h: MsgHdrs, opts: PublishOptions): Promise<PublishResult> {
    const deadline = Date.now() + (opts.deadlineMs ?? 10_000);
    let attempt = 0;
    await this.turn();
    for (;;) {
      attempt++;
      try {
        // A JetStream publish is a request whose answer is the PubAck (or JetStream's refusal).
        const reply = await this.client.requests.request(subject, data, { timeoutMs: 2000, headers: h });
        const ack = readPubAck(reply.data);
        if (!ack.ok) throw new PublishFailedError(`${subject}: ${ack.message}`);
        if (attempt > 1) this.logger.info({ subject, attempt, duplicate: ack.duplicate }, 'publish succeeded after retry');
        return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
      } catch (err) {
        if (Date.now() >= deadline) {
          throw new PublishFailedError(`could not publish to ${subject} after ${attempt} attempts: ${(err as Error).message}`, { cause: err });
        }
        this.logger.warn({ subject, attempt, err: (err as Error).message }, 'publish failed; retrying with the same msg id');
        await sleep(Math.min(1000, 50 * 2 ** attempt));
      }
    }
  }
}
