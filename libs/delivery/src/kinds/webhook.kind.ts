// Event webhooks (seed §3): the target is a receiver; JSON POST signed as the receiver
// says, any 2xx, the configured schedule (1h/2h/6h/24h).
import type { DispatchOrder, ReceiverView } from '@hookline/contracts';
import { webhookProfile, type AuthScheme } from '../delivery-plan';
import type { DeliveryKindProfile } from '../kind-profile';
import { receiveRefusal, type ReceivingAccounts } from './receiving-account';
import type { TargetDirectory } from './target-directory';

/** The signer keeps each receiver's secret under the receiver's id. */
export function receiverCredentialId(receiverId: string): string {
  return `receiver:${receiverId}`;
}

export function receiverAuthScheme(receiver: ReceiverView): AuthScheme {
  const credentialId = receiverCredentialId(receiver.id);
  const a = receiver.auth;
  switch (a.protocol) {
    case 'none':
      return { kind: 'none' };
    case 'websub':
      return { kind: 'websub', credentialId, algorithm: a.algorithm };
    case 'standard-webhooks':
      return { kind: 'standard-webhooks', credentialId };
    case 'oauth2':
      return { kind: 'oauth2', credentialId, tokenUrl: a.tokenUrl, clientId: a.clientId, ...(a.scope ? { scope: a.scope } : {}), ...(a.audience ? { audience: a.audience } : {}) };
  }
}

/**
 * Whether fan-out decided about this order a moment ago, against the same registry view: a
 * delivery's first attempt, neither a resend nor set aside in the retry-scheduler's agenda
 * (parked while its receiver was busy). A retry, a resend or a parked order may come long
 * after, when the receiving account may no longer receive the event.
 */
export function decidedByFanOut(order: Pick<DispatchOrder, 'attempt' | 'manual' | 'parked'>): boolean {
  return order.attempt <= 1 && !order.manual && !order.parked;
}

/** The object's unit a webhook's body names (`object.unit`, as the dispatcher's webhookBody writes it), or undefined. */
export function webhookObjectUnit(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const unit = (parsed as { object?: { unit?: unknown } } | null)?.object?.unit;
  return typeof unit === 'string' && unit !== '' ? unit : undefined;
}

/**
 * Why a webhook order that fan-out did not just decide about may no longer go out to
 * `receiver`: fan-out's rule (receiveRefusal) for the delivery's topic and its object's
 * unit, with the account's grants as they are now. The body is read only here, never for a
 * first attempt (the hot path: fan-out has just decided it).
 */
export function webhookRetryRefusal(view: ReceivingAccounts, order: Pick<DispatchOrder, 'tenantId' | 'source' | 'body'>, receiver: ReceiverView): string | undefined {
  const topic = order.source?.topic;
  // Every webhook comes from a host event; without its topic no grant can be checked.
  if (!topic) return "the delivery names no topic, so the receiving account's grants cannot be checked";
  return receiveRefusal(view, order.tenantId, receiver, topic, webhookObjectUnit(order.body));
}

export const webhookKind: DeliveryKindProfile<TargetDirectory> = {
  kind: 'webhook',
  targetNoun: 'receiver',
  resolve({ view, retry }, order) {
    const r = view.receiver(order.tenantId, order.target);
    if (!r) return { cancel: 'the receiver no longer exists' };
    if (r.deletedAt !== null) return { cancel: 'the receiver was deleted' };
    if (!r.enabled) return { cancel: 'the receiver is disabled' };
    // "Taking grants away narrows at once": a retry or a resend only if the account may receive it now.
    if (!decidedByFanOut(order)) {
      const refusal = webhookRetryRefusal(view, order, r);
      if (refusal !== undefined) return { cancel: refusal };
    }
    return { plan: { ...webhookProfile(receiverAuthScheme(r), retry), url: r.url } };
  },
  endsTarget: (c) => (c.entity === 'receiver' && c.action === 'deleted' ? { target: c.entityId, reason: 'the receiver was deleted' } : undefined),
  // Sending again changes a receiver's traffic: receivers:write for the delivery's topic.
  resend: { action: 'receivers:write', topicScoped: true },
};
