// Why a delivery attempt failed, as a small closed set: the log filters on it, the
// retry scheduler may treat classes differently, and every transport (egress, the
// signer's token fetch) maps its own errors onto it. The type itself is the one the
// delivery events carry (@hookline/contracts); this adds the runtime list and labels.
import type { AttemptErrorClass as ContractAttemptErrorClass } from '@hookline/contracts';

export const ATTEMPT_ERROR_CLASSES = [
  /** No answer (connect, headers or the whole exchange) before the deadline. */
  'timeout',
  /** The receiver's host refused the TCP connection. */
  'connect-refused',
  /** The receiver's hostname did not resolve. */
  'dns',
  /** TLS handshake or certificate failure. */
  'tls',
  /** The URL or an address it resolved to is not allowed (private, loopback, metadata...). */
  'ssrf-blocked',
  /** The receiver answered 3xx; redirects are never followed. */
  'redirect',
  /** The receiver answered with a non-2xx status. */
  'http-status',
  /** 2xx, but the body broke the profile's response contract (push notifications). */
  'contract',
  /** The connection broke some other way (reset, closed early, protocol error). */
  'network',
  /** No auth headers could be had for the attempt (signer down, credential missing, token endpoint failing). */
  'signing',
  /** The delivery was cancelled (receiver deleted) before or during the attempt. */
  'cancelled',
  /** The platform itself failed to make the attempt. */
  'internal',
] as const;

export type AttemptErrorClass = (typeof ATTEMPT_ERROR_CLASSES)[number];

// Compile-time proof that this list and the contract's type are the same set.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _sameAsContract: Same<AttemptErrorClass, ContractAttemptErrorClass> = true;

/** A classified failure of one attempt: the class for filtering, the reason for people. */
export interface AttemptFailure {
  errorClass: AttemptErrorClass;
  reason: string;
  /** The HTTP status, when the receiver answered at all. */
  status?: number;
}

const LABELS: Record<AttemptErrorClass, string> = {
  timeout: 'timed out',
  'connect-refused': 'connection refused',
  dns: 'DNS lookup failed',
  tls: 'TLS failure',
  'ssrf-blocked': 'destination not allowed',
  redirect: 'redirect not followed',
  'http-status': 'unsuccessful HTTP status',
  contract: 'response broke the contract',
  network: 'network error',
  signing: 'could not authenticate the request',
  cancelled: 'cancelled',
  internal: 'platform error',
};

/** A short human label for a class, as the log view shows it. */
export function describeErrorClass(c: AttemptErrorClass): string {
  return LABELS[c];
}

export function isAttemptErrorClass(v: unknown): v is AttemptErrorClass {
  return typeof v === 'string' && (ATTEMPT_ERROR_CLASSES as readonly string[]).includes(v);
}

export function attemptFailure(errorClass: AttemptErrorClass, reason: string, status?: number): AttemptFailure {
  return status === undefined ? { errorClass, reason } : { errorClass, reason, status };
}
