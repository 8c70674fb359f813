// Transport errors mapped onto the delivery pipeline's attempt error classes.
import { attemptFailure, type AttemptFailure } from '@hookline/delivery';
import type { BlockedCategory } from './address-policy';

/** A destination refused by the SSRF guard, before or at connect time. */
export class SsrfBlockedError extends Error {
  readonly code = 'HOOKLINE_SSRF_BLOCKED';
  constructor(
    readonly hostname: string,
    readonly category: BlockedCategory | 'scheme' | 'url',
    message: string,
  ) {
    super(message);
    this.name = 'SsrfBlockedError';
  }
}

/** The request's total deadline passed (connect, send, headers and body together). */
export class DeadlineExceededError extends Error {
  readonly code = 'HOOKLINE_DEADLINE_EXCEEDED';
  constructor(readonly deadlineMs: number) {
    super(`no complete response within ${deadlineMs} ms`);
    this.name = 'DeadlineExceededError';
  }
}

const TLS_CODES = new Set([
  'EPROTO',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
]);

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL', 'ENONAME']);

function codeOf(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** The error and its causes, outermost first (undici and fetch wrap the socket's error). */
function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  let e: unknown = err;
  while (e && out.length < 5 && !out.includes(e)) {
    out.push(e);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Maps anything a request can throw onto an attempt error class with a human reason. */
export function classifyError(err: unknown): AttemptFailure {
  for (const e of chain(err)) {
    if (e instanceof SsrfBlockedError) return attemptFailure('ssrf-blocked', e.message);
    if (e instanceof DeadlineExceededError) return attemptFailure('timeout', e.message);
    const code = codeOf(e);
    if (!code) continue;
    if (code === 'UND_ERR_CONNECT_TIMEOUT') return attemptFailure('timeout', 'connect timed out');
    if (code === 'UND_ERR_HEADERS_TIMEOUT') return attemptFailure('timeout', 'no response headers in time');
    if (code === 'UND_ERR_BODY_TIMEOUT') return attemptFailure('timeout', 'the response body stalled');
    if (code === 'ETIMEDOUT') return attemptFailure('timeout', message(e));
    if (code === 'ECONNREFUSED') return attemptFailure('connect-refused', 'connection refused');
    if (DNS_CODES.has(code)) {
      const host = (e as { hostname?: string }).hostname;
      return attemptFailure('dns', host ? `could not resolve ${host} (${code})` : `DNS lookup failed (${code})`);
    }
    if (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.startsWith('CERT_')) {
      return attemptFailure('tls', `TLS: ${message(e)}`);
    }
    if (['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(code)) {
      return attemptFailure('network', `${code}: ${message(e)}`);
    }
  }
  return attemptFailure('network', message(err));
}
