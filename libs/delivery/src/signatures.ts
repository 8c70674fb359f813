// Signature formats, as pure functions over the exact body bytes. Only the signer
// calls them with real secrets; receivers' verifiers (and our tests, against shared
// vectors in testdata/signatures.json) check the same bytes independently.
import { createHmac, randomBytes } from 'node:crypto';
import type { WebSubAlgorithm } from './delivery-plan';

export const WEBSUB_SIGNATURE_HEADER = 'X-Hub-Signature';

/** WebSub (and the seed): `X-Hub-Signature: <algorithm>=<hex HMAC of the raw body>`. */
export function webSubSignature(algorithm: WebSubAlgorithm, secret: string | Uint8Array, body: Uint8Array): string {
  return `${algorithm}=${createHmac(algorithm, secret).update(body).digest('hex')}`;
}

export function webSubHeaders(algorithm: WebSubAlgorithm, secret: string | Uint8Array, body: Uint8Array): Record<string, string> {
  return { [WEBSUB_SIGNATURE_HEADER]: webSubSignature(algorithm, secret, body) };
}

export const STANDARD_WEBHOOKS_SECRET_PREFIX = 'whsec_';

/** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function generateStandardWebhooksSecret(): string {
  return STANDARD_WEBHOOKS_SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The HMAC key of a `whsec_<base64>` secret; throws on anything else. */
export function standardWebhooksKey(secret: string): Buffer {
  if (!secret.startsWith(STANDARD_WEBHOOKS_SECRET_PREFIX)) throw new Error('a Standard Webhooks secret starts with whsec_');
  const b64 = secret.slice(STANDARD_WEBHOOKS_SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error('a Standard Webhooks secret is whsec_ followed by base64');
  const key = Buffer.from(b64, 'base64');
  // The spec asks for 24 to 64 bytes; shorter keys are too weak to accept.
  if (key.length < 24 || key.length > 64) throw new Error('a Standard Webhooks key must be 24 to 64 bytes');
  return key;
}

/** One `v1,<base64>` signature of "<id>.<timestamp>.<body>". */
export function standardWebhooksSignature(secret: string, msgId: string, timestampSeconds: number, body: Uint8Array): string {
  if (!Number.isInteger(timestampSeconds) || timestampSeconds < 0) throw new Error('webhook-timestamp must be whole unix seconds');
  if (msgId.includes('.')) throw new Error('webhook-id must not contain "."'); // it would make the signed content ambiguous
  const mac = createHmac('sha256', standardWebhooksKey(secret))
    .update(`${msgId}.${timestampSeconds}.`)
    .update(body)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The three Standard Webhooks headers. With several secrets (a rotation's overlap:
 * the new one first, then the old ones still valid) each signs and the signatures are
 * space-separated, so a receiver holding either secret verifies.
 */
export function standardWebhooksHeaders(secrets: readonly string[], msgId: string, timestampSeconds: number, body: Uint8Array): Record<string, string> {
  if (secrets.length === 0) throw new Error('at least one secret is needed');
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => standardWebhooksSignature(s, msgId, timestampSeconds, body)).join(' '),
  };
}
