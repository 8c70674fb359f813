// What a receiver's input may not be beyond its DTO's rules, checked before anything
// changes: topic patterns, URLs carrying credentials, and secrets of your own the signer
// would refuse (a new `auth` replaces the credential by destroying the old one first, so a
// refusal from the signer after that left the receiver with none: every attempt then
// failed as `signing`).
import { isTopicPattern } from '@hookline/auth';
import { standardWebhooksKey } from '@hookline/delivery';
import type { FieldProblem } from '@hookline/http';
import { urlCarriesCredentials } from '../url-credentials';

/** A message names the property, as class-validator's do ("secret must be ..."); the problem's field has the path. */
const nameOf = (field: string) => field.slice(field.lastIndexOf('.') + 1);

/** The length create allows for a secret of your own (websub), as the signer's schema does. */
export const OWN_SECRET_MIN = 16;
export const OWN_SECRET_MAX = 1024;

/**
 * A URL with a user name or password (`https://user:pass@host/`): they are never sent (a
 * connection is made to the URL's origin, which has none), and they would be stored and
 * shown in plain text in every answer, the change log and the delivery log.
 */
export function urlCredentialsProblem(field: string, raw: string): FieldProblem | undefined {
  if (!urlCarriesCredentials(raw)) return undefined;
  return { field, message: `${nameOf(field)} must not carry a user name or password (user:password@): they would not be sent, and would be shown to everyone who reads the receiver; use auth` };
}

/**
 * A secret of your own for an HMAC protocol: websub 16–1024 characters, Standard Webhooks
 * whsec_ and base64 of 24–64 bytes (the signer's rule). Other protocols take no secret here.
 */
export function ownSecretProblem(field: string, protocol: string, secret: string | undefined): FieldProblem | undefined {
  if (secret === undefined) return undefined;
  if (protocol === 'websub' && (secret.length < OWN_SECRET_MIN || secret.length > OWN_SECRET_MAX)) {
    return { field, message: `${nameOf(field)} must be ${OWN_SECRET_MIN} to ${OWN_SECRET_MAX} characters long` };
  }
  if (protocol === 'standard-webhooks') {
    try {
      standardWebhooksKey(secret);
    } catch (err) {
      return { field, message: (err as Error).message };
    }
  }
  return undefined;
}

/**
 * A receiver's topics whose ">" is not their last word. The DTO's pattern lets ">" stand
 * anywhere, and matching reads everything from a ">" on as "the rest": a receiver of
 * "Orders.>.Refunded" got every Orders event. Grants refuse such patterns already.
 */
export function topicPatternProblem(topics: readonly string[] | undefined): FieldProblem | undefined {
  const bad = (topics ?? []).filter((t) => !isTopicPattern(t));
  if (bad.length === 0) return undefined;
  return { field: 'topics', message: `each topic must be a topic name or pattern such as Accounts.Update or Accounts.*, with ">" only as the last word: not ${bad.join(', ')}` };
}
