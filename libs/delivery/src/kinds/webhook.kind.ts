// Event webhooks (seed §3): the target is a receiver; JSON POST signed as the receiver
// says, any 2xx, the configured schedule (1h/2h/6h/24h).
import type { ReceiverView } from '@hookline/contracts';
import { webhookProfile, type AuthScheme } from '../delivery-plan';
import type { DeliveryKindProfile } from '../kind-profile';
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

export const webhookKind: DeliveryKindProfile<TargetDirectory> = {
  kind: 'webhook',
  targetNoun: 'receiver',
  resolve({ view, retry }, order) {
    const r = view.receiver(order.tenantId, order.target);
    if (!r) return { cancel: 'the receiver no longer exists' };
    if (r.deletedAt !== null) return { cancel: 'the receiver was deleted' };
    if (!r.enabled) return { cancel: 'the receiver is disabled' };
    return { plan: { ...webhookProfile(receiverAuthScheme(r), retry), url: r.url } };
  },
  endsTarget: (c) => (c.entity === 'receiver' && c.action === 'deleted' ? { target: c.entityId, reason: 'the receiver was deleted' } : undefined),
  // Sending again changes a receiver's traffic: receivers:write for the delivery's topic.
  resend: { action: 'receivers:write', topicScoped: true },
};
