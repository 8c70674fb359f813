// When a failed delivery is tried again, and when it is given up. Pure: the clock,
// the randomness and the receiver's Retry-After are inputs, so the whole policy is a
// table test and the retry scheduler only stores and acts on the answer.
import type { RetryPolicy } from './delivery-plan';

export interface RetryInput {
  /** Attempts made so far, the first attempt included (1 after the first failure). */
  attemptsSoFar: number;
  /** When the last attempt was made (the schedule counts from here). */
  lastAttemptAt: Date;
  /** When the delivery was created (the expiry counts from here). */
  createdAt: Date;
  /** The Retry-After header of the last response, if any. */
  retryAfterHeader?: string | null;
  now: Date;
  /** A number in [0, 1) for the jitter; defaults to Math.random. */
  random?: () => number;
}

export type RetryDecision =
  | { kind: 'retry'; at: Date; /** which retry this will be: 1 for the first */ retryNumber: number }
  | { kind: 'give-up'; reason: string };

/**
 * Parses Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns the
 * wait in ms from `now` (0 for a date in the past), or undefined when absent or malformed.
 */
export function parseRetryAfter(header: string | null | undefined, now: Date): number | undefined {
  if (header === undefined || header === null) return undefined;
  const v = header.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Every HTTP-date form starts with a weekday name; requiring it keeps Date.parse's
  // leniency (it would read "3.5" or "2026" as dates) out.
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/i.test(v)) return undefined;
  // asctime() dates carry no zone but are GMT by definition.
  const at = Date.parse(/GMT$/i.test(v) ? v : `${v} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

function fmt(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Decides the next attempt after a failed one. */
export function nextAttempt(policy: RetryPolicy, input: RetryInput): RetryDecision {
  const retriesSoFar = Math.max(0, input.attemptsSoFar - 1);
  // Retrying until the expiry: past the schedule's end its last wait repeats.
  const repeatLast = policy.untilExpiry === true && policy.expireAfterMs !== undefined && policy.schedule.length > 0;
  if (retriesSoFar >= policy.schedule.length && !repeatLast) {
    return {
      kind: 'give-up',
      reason:
        policy.schedule.length === 0
          ? 'failed; the profile does not retry'
          : `failed after ${input.attemptsSoFar} attempts (the first and ${policy.schedule.length} retries)`,
    };
  }
  const now = input.now.getTime();
  const expiresAt = policy.expireAfterMs === undefined ? undefined : input.createdAt.getTime() + policy.expireAfterMs;
  if (expiresAt !== undefined && now >= expiresAt) {
    return { kind: 'give-up', reason: `expired: undelivered ${fmt(policy.expireAfterMs ?? 0)} after creation` };
  }

  let at = input.lastAttemptAt.getTime() + policy.schedule[Math.min(retriesSoFar, policy.schedule.length - 1)];
  // Retry-After only ever lengthens the wait, and only up to the clamp.
  const retryAfter = parseRetryAfter(input.retryAfterHeader, input.now);
  if (retryAfter !== undefined) at = Math.max(at, now + Math.min(retryAfter, policy.maxRetryAfterMs));
  if (policy.jitterMs > 0) at += Math.floor((input.random ?? Math.random)() * policy.jitterMs);
  // A scheduler that ran late retries now, not in the past.
  at = Math.max(at, now);

  if (expiresAt !== undefined && at > expiresAt) {
    return { kind: 'give-up', reason: `expired: the next attempt would fall after the ${fmt(policy.expireAfterMs ?? 0)} expiry` };
  }
  return { kind: 'retry', at: new Date(at), retryNumber: retriesSoFar + 1 };
}

/** Builds a policy from configured durations (HOOKLINE_RETRY_SCHEDULE etc.), checking them. */
export function retryPolicy(opts: { schedule: readonly number[]; jitterMs?: number; maxRetryAfterMs?: number; expireAfterMs?: number; untilExpiry?: boolean }): RetryPolicy {
  for (const d of opts.schedule) if (!Number.isFinite(d) || d < 0) throw new RangeError(`retry wait ${d} must be a non-negative number of ms`);
  const jitterMs = opts.jitterMs ?? 0;
  if (jitterMs < 0) throw new RangeError('jitterMs must be >= 0');
  const longest = opts.schedule.reduce((a, b) => Math.max(a, b), 0);
  return {
    schedule: Object.freeze([...opts.schedule]),
    jitterMs,
    maxRetryAfterMs: opts.maxRetryAfterMs ?? Math.max(longest, 0),
    ...(opts.expireAfterMs !== undefined ? { expireAfterMs: opts.expireAfterMs } : {}),
    ...(opts.untilExpiry ? { untilExpiry: true } : {}),
  };
}
