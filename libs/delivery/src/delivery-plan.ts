// The parameters of the one outbound pipeline. Webhooks, push notifications,
// custom-integration requests and installation hookup notifications are all a
// DeliveryPlan: where to send, how the request is shaped, how it is authenticated,
// what counts as success, when to retry, and what the log may show. A plan holds no
// secret: authentication names a credential that only the signer can read.
import type { ResponseLike, Verdict } from './success-criteria';

/** How the payload travels. */
export type RequestShape =
  /** POST (or PUT/PATCH) with the payload as a JSON body. */
  | { kind: 'json'; method?: 'POST' | 'PUT' | 'PATCH' }
  /** POST with the payload's fields as application/x-www-form-urlencoded. */
  | { kind: 'form'; method?: 'POST' | 'PUT' | 'PATCH' }
  /** GET (or DELETE) with the payload's fields appended to the URL's query string; no body. */
  | { kind: 'query'; method?: 'GET' | 'DELETE' };

export const WEBSUB_ALGORITHMS = ['sha1', 'sha256', 'sha384', 'sha512'] as const;
export type WebSubAlgorithm = (typeof WEBSUB_ALGORITHMS)[number];

/**
 * How the request is authenticated. Every kind but `none` names a credential held
 * by the signer; the non-secret parameters are repeated here so the plan says what
 * the request will look like (and the admin views can show it).
 */
export type AuthScheme = SingleAuthScheme | CombinedAuthScheme;

/** One credential's way of authenticating a request. */
export type SingleAuthScheme =
  | { kind: 'none' }
  /** X-Hub-Signature: <algorithm>=<hex HMAC of the raw body>. */
  | { kind: 'websub'; credentialId: string; algorithm: WebSubAlgorithm }
  /**
   * webhook-id, webhook-timestamp, webhook-signature: v1,<base64> (https://www.standardwebhooks.com).
   * `credentialTenantId`: who holds the credential when it is not the delivery's tenant
   * (a template of the operator's catalogue signs the hookups of every tenant's installations).
   */
  | { kind: 'standard-webhooks'; credentialId: string; credentialTenantId?: string }
  /** Client-credentials grant against tokenUrl; the access token goes in Authorization: Bearer. */
  | { kind: 'oauth2'; credentialId: string; tokenUrl: string; clientId: string; scope?: string; audience?: string }
  /**
   * A stored token sent verbatim in one header, e.g. push notifications'
   * `Authorization: <jwt>` (no "Bearer"); prefix "Bearer " for a static bearer token.
   */
  | { kind: 'token-header'; credentialId: string; header: string; prefix: string }
  /** Static headers whose values are secret (custom integrations' extra headers). */
  | { kind: 'static-headers'; credentialId: string; headerNames: string[] }
  /**
   * A secret the signer holds is written into the JSON body's `field` (a dotted path) at
   * attempt time, and the final body is then signed as `then` says (or not at all):
   * hookup notifications carry an OAuth client secret that no stored payload may hold.
   */
  | { kind: 'body-secret'; credentialId: string; field: string; then?: { kind: 'standard-webhooks'; credentialId: string; credentialTenantId?: string } }
  /**
   * Payload fields computed from a salt the signer holds: `timestamp` (the attempt's unix
   * seconds) and `verification` (hex MD5 of timestamp + salt), custom integrations'
   * verification hash. Only for form and query-string requests.
   */
  | { kind: 'verification-hash'; credentialId: string };

/**
 * Several schemes on one request, each with its own credential (custom integrations:
 * static headers and the verification hash). They are applied in order; schemes that add
 * payload fields come first, so a scheme that signs the body signs the final one.
 */
export interface CombinedAuthScheme {
  kind: 'combined';
  schemes: Exclude<SingleAuthScheme, { kind: 'none' }>[];
}

export type AuthKind = AuthScheme['kind'];

/** Schemes whose signer answer adds payload fields rather than (only) headers. */
const FIELD_SCHEMES: ReadonlySet<string> = new Set(['verification-hash']);

/** The single schemes a request is authenticated with, in the order they are applied (none: no part). */
export function authParts(auth: AuthScheme): Exclude<SingleAuthScheme, { kind: 'none' }>[] {
  if (auth.kind === 'none') return [];
  if (auth.kind !== 'combined') return [auth];
  return [...auth.schemes.filter((s) => FIELD_SCHEMES.has(s.kind)), ...auth.schemes.filter((s) => !FIELD_SCHEMES.has(s.kind))];
}

/** What counts as a delivered request. Redirects and non-2xx statuses fail whatever the criterion. */
export type SuccessCriterion =
  | { kind: '2xx' }
  /** An SMTP server accepted the message (a 2xx reply code, 250): the e-mail transport's criterion. */
  | { kind: 'smtp-accepted' }
  /** 2xx and a JSON body { Success: true, Code: 0 | "0", Message: string } (push notifications). */
  | { kind: 'push-notification' }
  /** A kind's own rule for a 2xx answer (a registered kind may bring one); `name` is what logs show. */
  | { kind: 'custom'; name: string; judge: (res: ResponseLike) => Verdict };

export interface RetryPolicy {
  /**
   * Wait before each retry, measured from the previous attempt: schedule[0] after the
   * first attempt, schedule[1] after the first retry, ... Its length is the number of
   * retries; when it is used up the delivery has failed for good.
   */
  schedule: readonly number[];
  /** Up to this many ms are added at random to each wait (never subtracted) to spread bursts. */
  jitterMs: number;
  /** A receiver's Retry-After may lengthen a wait up to this many ms from now, never more. */
  maxRetryAfterMs: number;
  /** Give up once the next attempt would fall later than this long after the delivery was created. */
  expireAfterMs?: number;
  /**
   * With expireAfterMs: the schedule's last wait repeats until the expiry instead of
   * ending the retries (push notifications are retried until they expire).
   */
  untilExpiry?: boolean;
}

/** What the log may show of a request. */
export interface RedactionPolicy {
  /** Request header names (case-insensitive) whose values are shown as [redacted]. */
  secretHeaders: readonly string[];
  /** Dotted paths of JSON body fields shown as [redacted] (e.g. "client_secret" in hookup notifications). */
  secretBodyFields: readonly string[];
}

/**
 * How a request travels: HTTP through the SSRF-safe egress client, or as an e-mail over
 * SMTP (the plan's url is then mailto:<address> and the JSON body an EmailPayload).
 */
export type Transport = 'http' | 'smtp';

export interface DeliveryProfile {
  /** 'http' when absent. */
  transport?: Transport;
  request: RequestShape;
  auth: AuthScheme;
  success: SuccessCriterion;
  retry: RetryPolicy;
  redaction: RedactionPolicy;
  /** Replaces the User-Agent `Hookline/<version>` (push notifications require "DataNotifier"). */
  userAgent?: string;
}

/** A profile bound to its destination. */
export interface DeliveryPlan extends DeliveryProfile {
  url: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The seed's schedule: 1h after the first attempt, then 2h, 6h, 24h after each previous one. */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = Object.freeze([HOUR, 2 * HOUR, 6 * HOUR, 24 * HOUR]);

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  schedule: DEFAULT_RETRY_SCHEDULE,
  jitterMs: 0,
  maxRetryAfterMs: DAY,
});

/** Headers that carry a credential or a signature whichever the scheme; always redacted. */
export const ALWAYS_SECRET_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-hub-signature',
  'x-hub-signature-256',
  'webhook-signature',
]);

/** The request headers the log must hide for an auth scheme (static header names included). */
export function secretHeadersFor(auth: AuthScheme): string[] {
  const names = new Set(ALWAYS_SECRET_HEADERS);
  for (const part of authParts(auth)) {
    if (part.kind === 'token-header') names.add(part.header.toLowerCase());
    if (part.kind === 'static-headers') for (const h of part.headerNames) names.add(h.toLowerCase());
  }
  return [...names];
}

/** Event webhooks (seed §3): JSON POST, any 2xx, 1h/2h/6h/24h. */
export function webhookProfile(auth: AuthScheme, retry: RetryPolicy = DEFAULT_RETRY_POLICY): DeliveryProfile {
  return {
    request: { kind: 'json' },
    auth,
    success: { kind: '2xx' },
    retry,
    redaction: { secretHeaders: secretHeadersFor(auth), secretBodyFields: [] },
  };
}

/**
 * Push notifications: JSON POST with `User-Agent: DataNotifier` and `Authorization: <jwt>`
 * (when a JWT is configured), the response contract, and undelivered notifications
 * dropped after notification_days_before days.
 */
export function pushNotificationProfile(opts: {
  jwtCredentialId?: string;
  expireAfterDays: number;
  retry?: RetryPolicy;
  /** The length of a "day" (24 h; tests compress it, HOOKLINE_PUSH_DAY_LENGTH). */
  dayMs?: number;
}): DeliveryProfile {
  const auth: AuthScheme = opts.jwtCredentialId
    ? { kind: 'token-header', credentialId: opts.jwtCredentialId, header: 'Authorization', prefix: '' }
    : { kind: 'none' };
  return {
    request: { kind: 'json' },
    auth,
    success: { kind: 'push-notification' },
    // Retried on the schedule (its last wait repeating) until the notification expires.
    retry: { ...(opts.retry ?? DEFAULT_RETRY_POLICY), expireAfterMs: opts.expireAfterDays * (opts.dayMs ?? DAY), untilExpiry: true },
    redaction: { secretHeaders: secretHeadersFor(auth), secretBodyFields: [] },
    userAgent: 'DataNotifier',
  };
}

/**
 * Custom-integration background requests: GET with a query string or POST with form data;
 * static headers are never logged, nor is the verification value (it would let a reader
 * of the log test guesses of the salt offline).
 */
export function customIntegrationProfile(opts: {
  method: 'GET' | 'POST';
  headersCredentialId?: string;
  headerNames?: string[];
  /** The signer's verification-hash credential: adds timestamp and verification to the payload. */
  verificationCredentialId?: string;
  retry?: RetryPolicy;
}): DeliveryProfile {
  const parts: Exclude<SingleAuthScheme, { kind: 'none' }>[] = [];
  if (opts.verificationCredentialId) parts.push({ kind: 'verification-hash', credentialId: opts.verificationCredentialId });
  if (opts.headersCredentialId && opts.headerNames?.length) parts.push({ kind: 'static-headers', credentialId: opts.headersCredentialId, headerNames: opts.headerNames });
  const auth: AuthScheme = parts.length === 0 ? { kind: 'none' } : parts.length === 1 ? parts[0] : { kind: 'combined', schemes: parts };
  return {
    request: opts.method === 'GET' ? { kind: 'query', method: 'GET' } : { kind: 'form', method: 'POST' },
    auth,
    success: { kind: '2xx' },
    // A user is waiting on the page for the outcome: one attempt unless told otherwise.
    retry: opts.retry ?? { schedule: [], jitterMs: 0, maxRetryAfterMs: 0 },
    redaction: { secretHeaders: secretHeadersFor(auth), secretBodyFields: opts.verificationCredentialId ? ['verification'] : [] },
  };
}

/**
 * Installation hookup notifications: JSON POST carrying new client credentials, signed
 * with Standard Webhooks under the template's secret; the signer writes the client secret
 * into `client_secret` at attempt time (public clients have none) and the log never shows it.
 */
export function hookupProfile(
  opts: { signingCredentialId: string; signingTenantId?: string; clientSecretCredentialId?: string },
  retry: RetryPolicy = DEFAULT_RETRY_POLICY,
): DeliveryProfile {
  const sign = { kind: 'standard-webhooks' as const, credentialId: opts.signingCredentialId, ...(opts.signingTenantId ? { credentialTenantId: opts.signingTenantId } : {}) };
  const auth: AuthScheme = opts.clientSecretCredentialId ? { kind: 'body-secret', credentialId: opts.clientSecretCredentialId, field: 'client_secret', then: sign } : sign;
  return {
    request: { kind: 'json' },
    auth,
    success: { kind: '2xx' },
    retry,
    redaction: { secretHeaders: secretHeadersFor(auth), secretBodyFields: ['client_secret'] },
  };
}

/**
 * The same notification as an e-mail (installation-hookup.txt's e-mail channel): sent over
 * SMTP to the template's address, the client secret written in by the signer, retried on
 * the same schedule; the log shows the message with the secret redacted.
 */
export function hookupEmailProfile(opts: { clientSecretCredentialId?: string }, retry: RetryPolicy = DEFAULT_RETRY_POLICY): DeliveryProfile {
  const auth: AuthScheme = opts.clientSecretCredentialId ? { kind: 'body-secret', credentialId: opts.clientSecretCredentialId, field: 'fields.client_secret' } : { kind: 'none' };
  return {
    transport: 'smtp',
    request: { kind: 'json' },
    auth,
    success: { kind: 'smtp-accepted' },
    retry,
    redaction: { secretHeaders: secretHeadersFor(auth), secretBodyFields: ['fields.client_secret'] },
  };
}
