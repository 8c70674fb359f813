// Request/reply on core NATS, typed by the RpcMap in @hookline/contracts. Used where
// an answer is needed now and nothing must be stored (the signer's headers for an
// attempt); everything that must survive a restart goes through JetStream instead.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { headers as natsHeaders, type Msg, type Subscription } from '@nats-io/transport-node';
import { HEADERS, type RpcReply, type RpcRequestOf, type RpcResultOf, type RpcSubject } from '@hookline/contracts';
import { correlation, extractTraceContext, injectTraceContext, inSpan, LOGGER, Logger, SpanKind, tracingActive } from '@hookline/observability';
import { NatsClient } from './nats-client';

function rpcAttributes(subject: string, operation: 'send' | 'process') {
  return { 'messaging.system': 'nats', 'messaging.operation.type': operation, 'messaging.destination.name': subject };
}

export type RpcHandler<S extends RpcSubject> = (request: unknown, ctx: { subject: S; headers: Record<string, string> }) => Promise<RpcReply<RpcResultOf<S>>>;

@Injectable()
export class NatsRpc {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly client: NatsClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Calls a responder. A missing responder, a timeout or an unreadable answer come back
   * as an `unavailable` error reply rather than an exception, so callers handle one shape.
   * With `correlationId` the request carries that id; otherwise the open correlation
   * scope's, if any.
   */
  async call<S extends RpcSubject>(subject: S, request: RpcRequestOf<S>, opts: { timeoutMs?: number; correlationId?: string } = {}): Promise<RpcReply<RpcResultOf<S>>> {
    if (tracingActive()) return inSpan(`send ${subject}`, { kind: SpanKind.CLIENT, attributes: rpcAttributes(subject, 'send') }, () => this.request(subject, request, opts));
    return this.request(subject, request, opts);
  }

  /** The request itself; with traces on it runs in call()'s client span, whose context it carries (traceparent) to the responder. */
  private async request<S extends RpcSubject>(subject: S, request: RpcRequestOf<S>, opts: { timeoutMs?: number; correlationId?: string }): Promise<RpcReply<RpcResultOf<S>>> {
    const h = natsHeaders();
    const corr = opts.correlationId ?? correlation.current();
    if (corr) h.set(HEADERS.correlationId, corr);
    injectTraceContext(h);
    let msg: Msg;
    try {
      msg = await this.client.requests.request(subject, JSON.stringify(request), { timeoutMs: opts.timeoutMs ?? 5000, headers: h });
    } catch (err) {
      return { ok: false, error: { code: 'unavailable', message: `${subject}: ${(err as Error).message}` } };
    }
    try {
      return JSON.parse(msg.string()) as RpcReply<RpcResultOf<S>>;
    } catch {
      return { ok: false, error: { code: 'unavailable', message: `${subject}: the reply is not JSON` } };
    }
  }

  /**
   * Answers requests on a subject, in a queue group so each request is answered by one
   * instance. Handlers run concurrently; a handler that throws answers `internal` (with
   * an error id the log shares) and never takes the subscription down.
   */
  serve<S extends RpcSubject>(subject: S, handler: RpcHandler<S>, opts: { queue: string; maxInFlight?: number }): void {
    const sub = this.client.nc.subscribe(subject, { queue: opts.queue });
    this.subscriptions.push(sub);
    const maxInFlight = opts.maxInFlight ?? 256;
    let inFlight = 0;
    const waiters: (() => void)[] = [];
    void (async () => {
      for await (const m of sub) {
        while (inFlight >= maxInFlight) await new Promise<void>((r) => waiters.push(r));
        inFlight++;
        void this.answer(subject, m, handler).finally(() => {
          inFlight--;
          waiters.shift()?.();
        });
      }
    })();
  }

  private async answer<S extends RpcSubject>(subject: S, m: Msg, handler: RpcHandler<S>): Promise<void> {
    const headers: Record<string, string> = {};
    if (m.headers) for (const [k, v] of m.headers) headers[k] = v[0] ?? '';
    // A request that names a correlation id is answered inside a scope of it (its log lines
    // carry it); one that names none gets none made up, and no scope (libs/observability/src/correlation.ts).
    const corr = headers[HEADERS.correlationId];
    const work = () => this.traced(subject, m, async () => {
      let reply: RpcReply<unknown>;
      try {
        let request: unknown;
        try {
          request = JSON.parse(m.string());
        } catch {
          reply = { ok: false, error: { code: 'invalid-request', message: 'the request is not JSON' } };
          m.respond(JSON.stringify(reply));
          return;
        }
        reply = await handler(request, { subject, headers });
      } catch (err) {
        const errorId = randomUUID();
        this.logger.error({ subject, errorId, err: (err as Error).message, stack: (err as Error).stack }, 'request handler failed');
        reply = { ok: false, error: { code: 'internal', message: `internal error ${errorId}` } };
      }
      if (m.reply) m.respond(JSON.stringify(reply));
    });
    await (corr ? correlation.run(corr, work) : work());
  }

  /** With traces on, `fn` runs in a server span, the child of the caller's (from the request's traceparent). */
  private traced(subject: string, m: Msg, fn: () => Promise<void>): Promise<void> {
    if (!tracingActive()) return fn();
    return inSpan(`process ${subject}`, { kind: SpanKind.SERVER, parent: extractTraceContext(m.headers), root: true, attributes: rpcAttributes(subject, 'process') }, fn);
  }

  /** Stops taking requests (in-flight ones still answer). The connection's drain does the rest at shutdown. */
  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain().catch(() => undefined)));
  }
}
