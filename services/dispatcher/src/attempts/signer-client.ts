// The dispatcher's way to the signer. Sign requests made in one event-loop turn go out
// as one request/reply on hookline.signer.sign-batch (each item checked and answered
// by the signer exactly as on hookline.signer.sign), so many attempts share one round
// trip, one NATS message each way and one request's bookkeeping. A single request goes
// out as itself; a signer that does not answer the batch subject yet (an older version
// during an upgrade) is asked one request at a time. With traces on, a batch continues
// the trace of its first request and links to the others' (see @hookline/observability tracing.ts).
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@hookline/config';
import { MAX_SIGN_BATCH, SIGNER_SUBJECTS, type RpcReply, type RpcRequestOf, type RpcResultOf, type RpcSubject, type SignRequest, type SignResult } from '@hookline/contracts';
import { NatsRpc } from '@hookline/messaging';
import { captureTraceContext, InstanceStats, Metrics, withBatchContext, type TraceContext } from '@hookline/observability';
import type { DispatcherConfig } from '../config';

interface Pending {
  request: SignRequest;
  trace?: TraceContext;
  resolve(reply: RpcReply<SignResult>): void;
}

@Injectable()
export class SignerClient {
  private queue: Pending[] = [];
  /** Sign requests out now, and whether a flush is due at the end of this turn. */
  private inFlight = 0;
  private flushDue = false;
  private readonly duration;

  constructor(
    private readonly rpc: NatsRpc,
    private readonly stats: InstanceStats,
    @Inject(CONFIG) private readonly config: DispatcherConfig,
    metrics: Metrics,
  ) {
    this.duration = metrics.histogram('signerClientDuration');
  }

  /** The signer's reply for one request (a refusal or an unreachable signer is a reply too, never an exception). */
  sign(request: SignRequest): Promise<RpcReply<SignResult>> {
    return new Promise((resolve) => {
      this.queue.push({ request, resolve, trace: captureTraceContext() });
      this.flushSoon();
    });
  }

  private flushSoon(): void {
    if (this.flushDue) return;
    this.flushDue = true;
    setImmediate(() => {
      this.flushDue = false;
      this.flush();
    });
  }

  /** Sends what waits as one batch (of at most MAX_SIGN_BATCH) while a place is free (HOOKLINE_DISPATCH_SIGNER_IN_FLIGHT; 0: no limit); the rest goes when a request comes back. */
  private flush(): void {
    const limit = this.config.signerInFlight;
    while (this.queue.length > 0 && (limit === 0 || this.inFlight < limit)) {
      this.inFlight++;
      void this.send(this.queue.splice(0, MAX_SIGN_BATCH)).finally(() => {
        this.inFlight--;
        if (this.queue.length > 0) this.flushSoon();
      });
    }
  }

  private async send(items: Pending[]): Promise<void> {
    const timeoutMs = this.config.signerTimeoutMs;
    this.stats.count('signer.requests');
    if (items.length === 1) {
      items[0].resolve(await withBatchContext([items[0].trace], () => this.call(SIGNER_SUBJECTS.sign, items[0].request, timeoutMs)));
      return;
    }
    const reply = await withBatchContext(
      items.map((p) => p.trace),
      () => this.call(SIGNER_SUBJECTS.signBatch, { requests: items.map((p) => p.request) }, timeoutMs),
    );
    if (reply.ok && reply.result.replies.length === items.length) {
      items.forEach((p, i) => p.resolve(reply.result.replies[i]));
      return;
    }
    if (!reply.ok && /no responders/i.test(reply.error.message)) {
      await Promise.all(items.map(async (p) => p.resolve(await withBatchContext([p.trace], () => this.call(SIGNER_SUBJECTS.sign, p.request, timeoutMs)))));
      return;
    }
    const failed: RpcReply<SignResult> = reply.ok ? { ok: false, error: { code: 'unavailable', message: `${SIGNER_SUBJECTS.signBatch}: ${reply.result.replies.length} replies for ${items.length} requests` } } : reply;
    for (const p of items) p.resolve(failed);
  }

  /** One request/reply, timed for hookline_signer_client_request_duration_seconds. */
  private async call<S extends RpcSubject>(subject: S, request: RpcRequestOf<S>, timeoutMs: number): Promise<RpcReply<RpcResultOf<S>>> {
    const started = performance.now();
    const reply = await this.rpc.call(subject, request, { timeoutMs });
    this.duration.observe({ subject, outcome: reply.ok ? 'ok' : reply.error.code }, (performance.now() - started) / 1000);
    return reply;
  }
}
