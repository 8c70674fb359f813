// A receiver's settings as a plan of the one outbound pipeline (the webhook profile).
import type { ReceiverView } from '@hookline/contracts';
import { webhookProfile, type AuthScheme, type DeliveryPlan, type RetryPolicy } from '@hookline/delivery';

/** The signer keeps each receiver's secret under the receiver's id. */
export function credentialIdOf(receiver: Pick<ReceiverView, 'id'>): string {
  return `receiver:${receiver.id}`;
}

export function authSchemeOf(receiver: ReceiverView): AuthScheme {
  const credentialId = credentialIdOf(receiver);
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

export function receiverPlan(receiver: ReceiverView, retry?: RetryPolicy): DeliveryPlan {
  return { ...webhookProfile(authSchemeOf(receiver), retry), url: receiver.url };
}
