// One attempt of one delivery: build the request, get its auth headers from the signer,
// send it through the SSRF-safe egress client, judge the answer, and record what
// happened (a success as one "succeeded" fact that carries its attempt; a failure as
// an "attempted" fact and an order for the retry-scheduler). Failures are facts (published for the log and the retry-scheduler), not
// exceptions; only an unreachable broker makes the order come back later.
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, VERSION } from '@hookline/config';
import {
  deliveryMsgIds,
  deliverySubjects,
  pushTypeOfReceiverId,
  SIGNER_SUBJECTS,
  type AttemptErrorClass,
  type DeliveryAttemptRecord,
  type DeliveryLifecycleEvent,
  type DispatchOrder,
  type FailedOrder,
} from '@hookline/contracts';
import {
  buildRequest,
  InvalidPayloadError,
  judgeAttempt,
  requestForLog,
  signRequestFor,
  withAuthHeaders,
  type DeliveryPlan,
  type OutboundRequest,
  type Verdict,
} from '@hookline/delivery';
import { EgressClient, type EgressResult } from '@hookline/egress';
import { JetStreamPublisher, NatsRpc, RetryableError } from '@hookline/messaging';
import type { DispatcherConfig } from '../config';
import { RegistryViewProvider } from '../registry-view/registry-view.provider';
import { pushPlan } from './push-plan';
import { receiverPlan } from './receiver-plan';

const MAX_STORED_RESPONSE = 8 * 1024;

interface Outcome {
  verdict: Verdict;
  result?: EgressResult;
  request?: OutboundRequest;
  durationMs: number;
}

@Injectable()
export class AttemptService {
  constructor(
    private readonly registry: RegistryViewProvider,
    private readonly egress: EgressClient,
    private readonly rpc: NatsRpc,
    private readonly publisher: JetStreamPublisher,
    @Inject(CONFIG) private readonly config: DispatcherConfig,
  ) {}

  /** The plan for this order as the registry view has it now, or why the delivery can no longer go out. */
  planOf(order: DispatchOrder): { plan: DeliveryPlan } | { cancel: string } {
    const view = this.registry.view;
    const pushType = order.kind === 'push' ? pushTypeOfReceiverId(order.receiverId) : undefined;
    if (pushType !== undefined) {
      // Push notifications go wherever notification_server_url points now, with the JWT set now.
      if (!view.pushType(order.tenantId, pushType)) return { cancel: `the push notification type ${pushType} was removed` };
      const plan = pushPlan(view.pushSettings(order.tenantId));
      return plan ? { plan } : { cancel: 'notification_server_url is no longer set' };
    }
    const receiver = view.receiver(order.tenantId, order.receiverId);
    if (!receiver || receiver.deletedAt !== null || !receiver.enabled) {
      return { cancel: !receiver ? 'the receiver no longer exists' : receiver.deletedAt ? 'the receiver was deleted' : 'the receiver is disabled' };
    }
    return { plan: receiverPlan(receiver) };
  }

  async attempt(order: DispatchOrder): Promise<void> {
    let target = this.planOf(order);
    if ('cancel' in target) {
      // Only a view that holds every registry change may cancel: a dispatcher that has just
      // (re)started takes orders while it still replays the registry, and would otherwise
      // cancel deliveries to receivers it has not read yet.
      try {
        await this.registry.upToDate();
      } catch (err) {
        throw new RetryableError((err as Error).message, 1000);
      }
      target = this.planOf(order);
    }
    if ('cancel' in target) {
      await this.lifecycle({ type: 'cancelled', deliveryId: order.deliveryId, tenantId: order.tenantId, kind: order.kind, at: new Date().toISOString(), reason: target.cancel });
      return;
    }
    const { plan } = target;
    const attemptAt = new Date();
    const outcome = await this.send(plan, order, attemptAt);
    const { verdict, result, request } = outcome;
    const response = result?.kind === 'response' ? result : undefined;
    const logged = request ? requestForLog(plan.redaction, request) : undefined;
    const record: DeliveryAttemptRecord = {
      at: attemptAt.toISOString(),
      ok: verdict.ok,
      durationMs: Math.round(outcome.durationMs),
      ...(response ? { statusCode: response.status } : {}),
      ...(verdict.ok ? {} : { errorClass: verdict.errorClass as AttemptErrorClass, error: verdict.reason }),
      requestHeaders: logged?.headers ?? {},
      ...(response
        ? { responseBody: response.body.slice(0, MAX_STORED_RESPONSE), responseTruncated: response.bodyTruncated || response.body.length > MAX_STORED_RESPONSE }
        : {}),
      ...(order.manual ? { manual: true } : {}),
    };
    const of = { deliveryId: order.deliveryId, tenantId: order.tenantId, kind: order.kind, attempt: order.attempt };
    if (verdict.ok) {
      // One fact for a success: the attempt travels inside it.
      await this.lifecycle({ type: 'succeeded', ...of, at: new Date().toISOString(), record });
      // A resend may have overtaken a retry still waiting in the retry-scheduler's agenda.
      if (order.manual) {
        const resent = { deliveryId: order.deliveryId, tenantId: order.tenantId, attempt: order.attempt };
        await this.publisher.publish('dispatch-resent', deliverySubjects.resendSucceeded(order.tenantId), resent, { msgId: deliveryMsgIds.resendSucceeded(resent) });
      }
      return;
    }
    await this.lifecycle({ type: 'attempted', ...of, ...record });
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
      request = buildRequest(plan, { payload: JSON.parse(order.body), deliveryId: order.deliveryId, eventId: order.eventId, topic: order.topic, attemptAt, version: VERSION });
    } catch (err) {
      const reason = err instanceof InvalidPayloadError ? err.message : `the request could not be built: ${(err as Error).message}`;
      return { verdict: { ok: false, errorClass: 'internal' as never, reason }, durationMs: performance.now() - started };
    }
    for (let forceRefresh = false; ; forceRefresh = true) {
      const signed = await this.sign(plan, order, request, forceRefresh);
      if ('failure' in signed) return { verdict: signed.failure, request, durationMs: performance.now() - started };
      const result = await this.egress.request({ method: signed.request.method, url: signed.request.url, headers: signed.request.headers, body: signed.request.body });
      const verdict = judgeAttempt(plan.success, result);
      const unauthorized = result.kind === 'response' && result.status === 401;
      if (plan.auth.kind === 'oauth2' && unauthorized && !forceRefresh) continue;
      return { verdict, result, request: signed.request, durationMs: performance.now() - started };
    }
  }

  private async sign(plan: DeliveryPlan, order: DispatchOrder, request: OutboundRequest, forceRefresh: boolean): Promise<{ request: OutboundRequest } | { failure: Verdict }> {
    const ask = signRequestFor(plan.auth, order.tenantId, request.signing, { forceRefresh });
    if (!ask) return { request };
    const reply = await this.rpc.call(SIGNER_SUBJECTS.sign, ask, { timeoutMs: this.config.signerTimeoutMs });
    if (!reply.ok) {
      const errorClass = (reply.error.errorClass ?? 'signing') as AttemptErrorClass;
      return { failure: { ok: false, errorClass: errorClass as never, reason: `no signature: ${reply.error.message}` } };
    }
    return { request: withAuthHeaders(request, reply.result.headers) };
  }

  private async lifecycle(e: DeliveryLifecycleEvent): Promise<void> {
    await this.publisher.publish('delivery-lifecycle', deliverySubjects.lifecycle(e.tenantId, e.type), e, { msgId: deliveryMsgIds.lifecycle(e) });
  }
}
