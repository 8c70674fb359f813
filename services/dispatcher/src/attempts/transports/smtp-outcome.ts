// How an SMTP exchange maps onto the pipeline's outcomes: the server's reply code stands
// where an HTTP status would (250 accepted; 4xx try later; 5xx refused), and failures to
// reach it are classified like HTTP ones, so the log, the retries and the metrics treat
// an e-mail as any other attempt.
import type { EgressResult } from '@hookline/egress';

/** What nodemailer reports on failure (the fields we read). */
export interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

export function smtpFailure(err: SmtpError, durationMs: number): EgressResult {
  if (typeof err.responseCode === 'number' && err.responseCode >= 200) {
    return { kind: 'response', status: err.responseCode, headers: {}, body: err.response ?? err.message ?? '', bodyTruncated: false, durationMs };
  }
  const text = `${err.code ?? ''} ${err.message ?? ''}`;
  if (/ECONNREFUSED/.test(text)) return { kind: 'error', errorClass: 'connect-refused', reason: 'the SMTP server refused the connection', durationMs };
  if (err.code === 'ETIMEDOUT' || /timeout/i.test(text)) return { kind: 'error', errorClass: 'timeout', reason: 'the SMTP server did not answer in time', durationMs };
  if (err.code === 'EDNS' || /ENOTFOUND|EAI_AGAIN/.test(text)) return { kind: 'error', errorClass: 'dns', reason: 'the SMTP server name did not resolve', durationMs };
  if (err.code === 'ETLS' || /certificate|TLS|SSL/i.test(text)) return { kind: 'error', errorClass: 'tls', reason: `TLS with the SMTP server failed: ${err.message ?? err.code}`, durationMs };
  return { kind: 'error', errorClass: 'network', reason: `SMTP: ${(err.message ?? err.code ?? 'failed').slice(0, 300)}`, durationMs };
}

/** The reply to a message the server accepted ("250 2.0.0 Ok: queued as …"). */
export function smtpAccepted(response: string | undefined, durationMs: number): EgressResult {
  const code = Number(/^(\d{3})/.exec(response ?? '')?.[1] ?? 250);
  return { kind: 'response', status: code, headers: {}, body: response ?? '', bodyTruncated: false, durationMs };
}
