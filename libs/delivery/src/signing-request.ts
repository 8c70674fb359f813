// What the dispatcher asks the signer for one attempt, derived from the plan's auth
// scheme and the builder's signing input (the signer's subject and types live in
// @hookline/contracts).
import type { SignRequest } from '@hookline/contracts';
import type { AuthScheme } from './delivery-plan';
import type { SigningInput } from './request-builder';

/** The sign request for an attempt, or undefined when the scheme needs no signer (`none`). */
export function signRequestFor(auth: AuthScheme, tenantId: string, signing: SigningInput, opts: { forceRefresh?: boolean } = {}): SignRequest | undefined {
  if (auth.kind === 'none') return undefined;
  // Each part needs the request as the parts before it left it (authParts, withSignerResult).
  if (auth.kind === 'combined') throw new Error('a combined scheme is signed part by part: use authParts()');
  if (auth.kind === 'body-secret') {
    return {
      tenantId,
      credentialId: auth.credentialId,
      scheme: 'body-secret',
      deliveryId: signing.deliveryId,
      timestamp: signing.timestampSeconds,
      body: signing.body.toString('base64'),
      field: auth.field,
      ...(auth.then ? { then: { scheme: auth.then.kind, credentialId: auth.then.credentialId, tenantId: auth.then.credentialTenantId ?? tenantId } } : {}),
    };
  }
  if (auth.kind === 'standard-webhooks' && auth.credentialTenantId) tenantId = auth.credentialTenantId;
  const hmac = auth.kind === 'websub' || auth.kind === 'standard-webhooks';
  return {
    tenantId,
    credentialId: auth.credentialId,
    scheme: auth.kind,
    deliveryId: signing.deliveryId,
    timestamp: signing.timestampSeconds,
    // Only HMAC schemes read the body; the others save the bytes on the wire.
    ...(hmac ? { body: signing.body.toString('base64') } : {}),
    ...(auth.kind === 'oauth2' && opts.forceRefresh ? { forceRefresh: true } : {}),
  };
}
