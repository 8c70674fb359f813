// Whether a receiver's answer counts as delivered, per the profile's criterion.
import { attemptFailure, type AttemptFailure } from './attempt-error';
import type { SuccessCriterion } from './delivery-plan';

/** The parts of an HTTP response a criterion looks at (egress's response fits). */
export interface ResponseLike {
  status: number;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string>>;
  /** The (possibly capped) body as text. */
  body: string;
  bodyTruncated?: boolean;
}

export type Verdict = { ok: true } | ({ ok: false } & AttemptFailure);

function fail(f: AttemptFailure): Verdict {
  return { ok: false, ...f };
}

/** Shortens a receiver-supplied string for a reason line. */
function clip(s: string, max = 200): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

function statusVerdict(res: ResponseLike): Verdict | undefined {
  if (res.status >= 200 && res.status < 300) return undefined;
  if (res.status >= 300 && res.status < 400) {
    const to = res.headers.location;
    return fail(attemptFailure('redirect', `HTTP ${res.status} redirect${to ? ` to ${clip(to, 300)}` : ''} not followed`, res.status));
  }
  return fail(attemptFailure('http-status', `HTTP ${res.status}`, res.status));
}

/**
 * The push-notification contract: { "Success": true, "Code": 0 (or "0"), "Message": "<string>" }.
 * The reason for a refusal quotes the receiver's own Code and Message.
 */
function pushNotificationVerdict(res: ResponseLike): Verdict {
  const bad = (why: string) => fail(attemptFailure('contract', why, res.status));
  if (res.bodyTruncated) return bad('response body too large for the push-notification contract');
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    return bad(`response is not JSON: ${JSON.stringify(clip(res.body, 80))}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad('response is not a JSON object');
  const r = parsed as Record<string, unknown>;
  const code = r.Code;
  const message = r.Message;
  const codeIsZero = code === 0 || code === '0';
  const codeShown = typeof code === 'string' || typeof code === 'number' ? String(code) : JSON.stringify(code);
  const messageShown = typeof message === 'string' ? JSON.stringify(clip(message)) : '(none)';
  if (r.Success !== true) return bad(`receiver reported failure: Success=${JSON.stringify(r.Success)} Code=${codeShown} Message=${messageShown}`);
  if (!codeIsZero) return bad(`receiver reported Code=${codeShown} Message=${messageShown}`);
  if (typeof message !== 'string') return bad('response Message must be a string');
  return { ok: true };
}

/** What each named criterion asks of a 2xx answer. */
const CRITERIA: Record<Exclude<SuccessCriterion['kind'], 'custom' | 'smtp-accepted'>, (res: ResponseLike) => Verdict> = {
  '2xx': () => ({ ok: true }),
  'push-notification': pushNotificationVerdict,
};

/** An SMTP reply: 2xx accepted; 4xx (try again later) and 5xx (refused) fail with the server's words. */
function smtpVerdict(res: ResponseLike): Verdict {
  if (res.status >= 200 && res.status < 300) return { ok: true };
  return fail(attemptFailure('http-status', `SMTP ${res.status}${res.body ? `: ${clip(res.body)}` : ''}`, res.status));
}

export function evaluateResponse(criterion: SuccessCriterion, res: ResponseLike): Verdict {
  if (criterion.kind === 'smtp-accepted') return smtpVerdict(res);
  const byStatus = statusVerdict(res);
  if (byStatus) return byStatus;
  return criterion.kind === 'custom' ? criterion.judge(res) : CRITERIA[criterion.kind](res);
}

/** An attempt's transport outcome (egress's result has this shape). */
export type TransportResult = ({ kind: 'response' } & ResponseLike) | { kind: 'error'; errorClass: AttemptFailure['errorClass']; reason: string };

/**
 * The verdict on one attempt: a transport failure as classified, otherwise the
 * profile's criterion applied to the response.
 */
export function judgeAttempt(criterion: SuccessCriterion, result: TransportResult): Verdict {
  if (result.kind === 'error') return { ok: false, errorClass: result.errorClass, reason: result.reason };
  return evaluateResponse(criterion, result);
}
