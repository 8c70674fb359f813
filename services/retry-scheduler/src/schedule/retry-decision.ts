// What to do with a failed attempt, whatever the kind: the retry policy comes from the
// kind's plan (@hookline/delivery), this adds the platform's rules around it (final
// failures, manual resends, and expiry for a policy that has one). Pure.
import type { FailedOrder } from '@hookline/contracts';
import { nextAttempt, type RetryPolicy } from '@hookline/delivery';

export type Decision =
  | { kind: 'retry'; attempt: number; at: Date }
  | { kind: 'give-up'; reason: string }
  /** Past the policy's expiry and never delivered: the delivery is deleted (purged). */
  | { kind: 'expire' };

/**
 * The schedule after each previous attempt, Retry-After lengthening a wait, then give up.
 * A policy with an expiry (push notifications) retries until it: one whose next retry
 * would fall after the expiry waits in the agenda until the expiry instant, and is
 * deleted then (or tried then, if the expiry was moved out meanwhile). A final failure
 * and a failed manual resend end at once, whatever the policy.
 */
export function decide(failed: FailedOrder, policy: RetryPolicy, now: Date, random?: () => number): Decision {
  const { order } = failed;
  if (failed.final) return { kind: 'give-up', reason: `failed: ${failed.errorClass} cannot be fixed by retrying` };
  // A manual resend is one more try, not a new schedule.
  if (order.manual) return { kind: 'give-up', reason: `manual resend (attempt ${order.attempt}) failed` };
  const expiresAt = policy.expireAfterMs === undefined ? undefined : new Date(order.createdAt).getTime() + policy.expireAfterMs;
  if (expiresAt !== undefined && now.getTime() >= expiresAt) return { kind: 'expire' };
  const d = nextAttempt(policy, {
    attemptsSoFar: order.attempt,
    lastAttemptAt: new Date(failed.attemptedAt),
    createdAt: new Date(order.createdAt),
    retryAfterHeader: failed.retryAfter,
    now,
    random,
  });
  if (d.kind === 'retry') return { kind: 'retry', attempt: order.attempt + 1, at: d.at };
  if (expiresAt !== undefined) return { kind: 'retry', attempt: order.attempt + 1, at: new Date(expiresAt) };
  return d;
}
