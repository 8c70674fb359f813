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

/** A push notification's next step: a retry, or (expired, never delivered) deletion. */
export type PushDecision = Decision | { kind: 'purge'; reason: string };

/** Why an undelivered notification is deleted. */
export function expiryReason(daysBefore: number): string {
  return `undelivered ${daysBefore} day${daysBefore === 1 ? '' : 's'} after it was created (notification_days_before=${daysBefore}); deleted`;
}

/** When a notification created at `createdAt` expires under the current setting. */
export function pushExpiresAt(createdAt: string | Date, daysBefore: number, dayMs: number): Date {
  return new Date(new Date(createdAt).getTime() + daysBefore * dayMs);
}

/**
 * Push notifications are retried on the schedule (its last wait repeating) until they
 * expire, `policy.expireAfterMs` after creation (notification_days_before, as set now).
 * One whose next retry would fall after the expiry stays in the agenda until the expiry
 * instant and is deleted then; should notification_days_before grow meanwhile, it is
 * tried again at that instant instead. A failed manual resend ends as webhooks do.
 */
export function decidePush(failed: FailedOrder, policy: RetryPolicy, daysBefore: number, now: Date, random?: () => number): PushDecision {
  const { order } = failed;
  if (failed.final || order.manual || policy.expireAfterMs === undefined) return decide(failed, policy, now, random);
  const expiresAt = new Date(order.createdAt).getTime() + policy.expireAfterMs;
  if (now.getTime() >= expiresAt) return { kind: 'purge', reason: expiryReason(daysBefore) };
  const d = decide(failed, policy, now, random);
  if (d.kind === 'retry') return d;
  return { kind: 'retry', attempt: order.attempt + 1, at: new Date(expiresAt) };
}
