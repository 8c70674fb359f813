// What to do with a failed attempt. Pure: the retry policy comes from @hookline/delivery,
// this adds the platform's rules around it (final failures and manual resends).
import type { FailedOrder } from '@hookline/contracts';
import { nextAttempt, type RetryPolicy } from '@hookline/delivery';

export type Decision = { kind: 'retry'; attempt: number; at: Date } | { kind: 'give-up'; reason: string };

export function decide(failed: FailedOrder, policy: RetryPolicy, now: Date, random?: () => number): Decision {
  const { order } = failed;
  if (failed.final) return { kind: 'give-up', reason: `failed: ${failed.errorClass} cannot be fixed by retrying` };
  // A manual resend is one more try, not a new schedule.
  if (order.manual) return { kind: 'give-up', reason: `manual resend (attempt ${order.attempt}) failed` };
  const d = nextAttempt(policy, {
    attemptsSoFar: order.attempt,
    lastAttemptAt: new Date(failed.attemptedAt),
    createdAt: new Date(order.createdAt),
    retryAfterHeader: failed.retryAfter,
    now,
    random,
  });
  return d.kind === 'retry' ? { kind: 'retry', attempt: order.attempt + 1, at: d.at } : d;
}
