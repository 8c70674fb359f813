// One attempt of one delivery, whatever its kind: the kind's profile resolves the target
// to a plan as the registry is now, then build the request, get its auth headers from
// the signer, send it through the SSRF-safe egress client, judge the answer, and record
// what happened (a success as one "succeeded" fact that carries its attempt; a failure
// as an "attempted" fact and an order for the retry-scheduler). Failures are facts
// (published for the log and the retry-scheduler), not exceptions; only an unreachable
// broker or a registry view that cannot be trusted makes the order come back later.
// Facts go out in batches (FactRecorder); a first attempt made straight from fan-out
// records its delivery's "created" fact together with the outcome.
import { Injectable } from '@nestjs/common';
import { VERSION } from '@hookline/config';
import {
  deliveryMsgIds,
  deliverySubjects,
  liveSubjects,
  type DeliveryLiveUpdate,
  type AttemptErrorClass,
  type DeliveryAttempted,
  type DeliveryCreated,
  type DeliveryAttemptRecord,
  type DeliveryLifecycleEvent,
  type DispatchOrder,
  type FailedOrder,
} from '@hookline/contracts';
import {
  authParts,
  buildRequest,
  DeliveryKindsService,
  InvalidPayloadError,
  UnknownDeliveryKindError,
  judgeAttempt,
  requestForLog,
  signRequestFor,
  withSignerResult,
  type DeliveryPlan,
  type OutboundRequest,
  type Resolution,
  type Verdict,
} from '@hookline/delivery';
import type { EgressResult } from '@hookline/egress';
import { JetStreamPublisher, NatsClient, RetryableError } from '@hookline/messaging';
import { InstanceStats, Metrics } from '@hookline/observability';
import { RegistryViewProvider, viewNotCurrent } from '@hookline/registry-view';
import { FactRecorder } from './fact-recorder';
import { SignerClient } from './signer-client';
import { Transports } from './transports/transports';

const MAX_STORED_RESPONSE = 8 * 1024;
/** The log keeps at most this many response headers, each value cut to MAX_HEADER_VALUE. */
const MAX_STORED_HEADERS = 64;
const MAX_HEADER_VALUE = 1024;

function cappedHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers).slice(0, MAX_STORED_HEADERS)) out[k] = v.length > MAX_HEADER_VALUE ? `${v.slice(0, MAX_HEADER_VALUE)}…` : v;
  return out;
}

/**
 * The log's record of a resend that was not sent because its target may no longer receive
 * it: attempt N, manual, errorClass "cancelled", the reason as its error, no request.
 */
export function refusedResend(order: DispatchOrder, at: string, reason: string): DeliveryAttempted {
  return {
    type: 'attempted',
    deliveryId: order.deliveryId,
    tenantId: order.tenantId,
    kind: order.kind,
    attempt: order.attempt,
    at,
    ok: false,
    durationMs: 0,
    errorClass: 'cancelled',
    error: reason,
    requestHeaders: {},
    manual: true,
  };
}

interface Outcome {
  verdict: Verdict;
  result?: EgressResult;
  request?: OutboundRequest;
  durationMs: number;
}

@Injectable()
export class AttemptService {
  private readonly attemptDuration;

  constructor(
    private readonly registry: RegistryViewProvider,
    private readonly transports: Transports,
    private readonly signer: SignerClient,
    private readonly publisher: JetStreamPublisher,
    private readonly facts: FactRecorder,
    private readonly kinds: DeliveryKindsService,
    private readonly nats: NatsClient,
    private readonly stats: InstanceStats,
    metrics: Metrics,
  ) {
    this.attemptDuration = metrics.histogram('attemptDuration');
  }

  /** The plan for this order as the registry view has it now, or why the delivery can no longer go out. */
  planOf(order: DispatchOrder): Resolution {
    let view;
    try {
      view = this.registry.view;
    } catch (err) {
      // The view stopped at a change it cannot read: it may have missed this target's deletion.
      throw viewNotCurrent(err);
    }
    let profile;
    try {
      profile = this.kinds.kinds.get(order.kind);
    } catch (err) {
      // A kind another version knows: leave the order for a dispatcher that does.
      if (err instanceof UnknownDeliveryKindError) throw new RetryableError(err.message, 30_000);
      throw err;
    }
    return profile.resolve(this.kinds.context(view), order);
  }

  /**
   * `created`: the delivery's "created" fact when this is its first attempt made straight
   * from fan-out; it is recorded together with the outcome (one message, created first).
   * `sent`: called once the receiver has answered (or the request has failed), before the
   * outcome is recorded, with whether it timed out (no answer before the deadline); not
   * called when no request is sent (a cancelled delivery).
   */
  async attempt(order: DispatchOrder, opts: { created?: DeliveryCreated; sent?: (timedOut: boolean) => void } = {}): Promise<void> {
    const first: DeliveryLifecycleEvent[] = opts.created ? [opts.created] : [];
    let target = this.planOf(order);
    if ('cancel' in target) {
      // Only a view that holds every registry change may cancel: a dispatcher that has just
      // (re)started takes orders while it still replays the registry, and would otherwise
      // cancel deliveries to receivers it has not read yet.
      try {
        await this.registry.upToDate();
      } catch (err) {
        throw viewNotCurrent(err);
      }
      target = this.planOf(order);
    }
    if ('cancel' in target) {
      const at = new Date().toISOString();
      if (order.manual) {
        // A resend that may not go out now is logged as an attempt not made, with why: the
        // delivery keeps the outcome it had. As a "cancelled" fact it rewrote a delivery that had
        // succeeded (its receiver deleted since, or its account no longer allowed to receive it).
        await this.facts.record(refusedResend(order, at, target.cancel));
        return;
      }
      await this.facts.record(...first, { type: 'cancelled', deliveryId: order.deliveryId, tenantId: order.tenantId, kind: order.kind, at, reason: target.cancel });
      return;
    }
    const { plan } = target;
    const attemptAt = new Date();
    this.announce(order, attemptAt);
    const outcome = await this.send(plan, order, attemptAt);
    const { verdict, result, request } = outcome;
    opts.sent?.(!verdict.ok && verdict.errorClass === 'timeout');
    const response = result?.kind === 'response' ? result : undefined;
    const logged = request ? requestForLog(plan.redaction, request) : undefined;
    const record: DeliveryAttemptRecord = {
      at: attemptAt.toISOString(),
      ok: verdict.ok,
      durationMs: Math.round(outcome.durationMs),
      ...(response ? { statusCode: response.status } : {}),
      ...(verdict.ok ? {} : { errorClass: verdict.errorClass as AttemptErrorClass, error: verdict.reason }),
      ...(logged ? { method: logged.method, url: logged.url } : {}),
      requestHeaders: logged?.headers ?? {},
      // The body is stored once with the delivery; an attempt keeps its own only when it differs
      // (form data, redacted fields, or none at all: "" for a bodiless GET).
      ...(logged && logged.body !== order.body ? { requestBody: logged.body } : {}),
      ...(response
        ? {
            responseHeaders: cappedHeaders(response.headers),
            responseBody: response.body.slice(0, MAX_STORED_RESPONSE),
            responseTruncated: response.bodyTruncated || response.body.length > MAX_STORED_RESPONSE,
          }
        : {}),
      ...(order.manual ? { manual: true } : {}),
    };
    const of = { deliveryId: order.deliveryId, tenantId: order.tenantId, kind: order.kind, attempt: order.attempt };
    this.attemptDuration.observe({ kind: order.kind, outcome: verdict.ok ? 'success' : String(verdict.errorClass) }, outcome.durationMs / 1000);
    if (verdict.ok) {
      // One fact for a success: the attempt travels inside it.
      this.stats.count('attempts.succeeded');
      await this.facts.record(...first, { type: 'succeeded', ...of, at: new Date().toISOString(), record });
      // A resend may have overtaken a retry still waiting in the retry-scheduler's agenda.
      if (order.manual) {
        const resent = { deliveryId: order.deliveryId, tenantId: order.tenantId, attempt: order.attempt };
        await this.publisher.publish('dispatch-resent', deliverySubjects.resendSucceeded(order.tenantId), resent, { msgId: deliveryMsgIds.resendSucceeded(resent) });
      }
      return;
    }
    this.stats.count('attempts.failed');
    // Stored before the retry-scheduler hears of the failure, so its "scheduled" fact comes after these in the stream.
    await this.facts.record(...first, { type: 'attempted', ...of, ...record });
    const failed: FailedOrder = {
      order,
      attemptedAt: attemptAt.toISOString(),
      errorClass: verdict.errorClass as AttemptErrorClass,
      ...(response?.headers['retry-after'] ? { retryAfter: response.headers['retry-after'] } : {}),
    };
    await this.publisher.publish('dispatch-failed', deliverySubjects.failed(order.tenantId), failed, { msgId: deliveryMsgIds.failed(order) });
  }

  /** Sends once; an OAuth2 receiver answering 401 gets one more try with a freshly fetched token. */
  private async send(plan: DeliveryPlan, order: DispatchOrder, attemptAt: Date): Promise<Outcome> {
    const started = performance.now();
    let request: OutboundRequest;
    try {
      request = buildRequest(plan, { payloadText: order.body, deliveryId: order.deliveryId, ...(order.source ? { source: order.source } : {}), attemptAt, version: VERSION });
    } catch (err) {
      const reason = err instanceof InvalidPayloadError ? err.message : `the request could not be built: ${(err as Error).message}`;
      return { verdict: { ok: false, errorClass: 'internal' as never, reason }, durationMs: performance.now() - started };
    }
    for (let forceRefresh = false; ; forceRefresh = true) {
      const signed = await this.sign(plan, order, request, forceRefresh);
      if ('failure' in signed) return { verdict: signed.failure, request, durationMs: performance.now() - started };
      this.stats.count('attempts');
      const result = await this.transports.send(plan, signed.request);
      const verdict = judgeAttempt(plan.success, result);
      const unauthorized = result.kind === 'response' && result.status === 401;
      if (plan.auth.kind === 'oauth2' && unauthorized && !forceRefresh) continue;
      return { verdict, result, request: signed.request, durationMs: performance.now() - started };
    }
  }

  /**
   * Each part of the plan's authentication from the signer, in order: a part that adds
   * payload fields (the verification hash) changes the request the next part signs.
   */
  private async sign(plan: DeliveryPlan, order: DispatchOrder, request: OutboundRequest, forceRefresh: boolean): Promise<{ request: OutboundRequest } | { failure: Verdict }> {
    let req = request;
    for (const part of authParts(plan.auth)) {
      const ask = signRequestFor(part, order.tenantId, req.signing, { forceRefresh });
      if (!ask) continue;
      const asked = Date.now();
      const reply = await this.signer.sign(ask);
      const took = Date.now() - asked;
      if (took >= 50) {
        this.stats.count('slow.signer');
        this.stats.count('slow.signer.ms', took);
      }
      if (!reply.ok) {
        const errorClass = (reply.error.errorClass ?? 'signing') as AttemptErrorClass;
        return { failure: { ok: false, errorClass: errorClass as never, reason: `no signature: ${reply.error.message}` } };
      }
      try {
        req = withSignerResult(req, reply.result);
      } catch (err) {
        if (!(err instanceof InvalidPayloadError)) throw err;
        return { failure: { ok: false, errorClass: 'internal' as never, reason: err.message } };
      }
    }
    return { request: req };
  }

  /** For kinds a person waits for: "sending now", on core NATS (never stored; the log has the outcome). */
  private announce(order: DispatchOrder, at: Date): void {
    if (!this.kinds.kinds.has(order.kind) || !this.kinds.kinds.get(order.kind).live) return;
    const update: DeliveryLiveUpdate = { type: 'sending', deliveryId: order.deliveryId, tenantId: order.tenantId, attempt: order.attempt, at: at.toISOString() };
    try {
      this.nats.nc.publish(liveSubjects.delivery(order.tenantId, order.deliveryId), JSON.stringify(update));
    } catch {
      /* a closed connection: the attempt goes on, the page learns the outcome from the log */
    }
  }
}
