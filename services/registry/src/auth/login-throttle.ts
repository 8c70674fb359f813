// How repeated login failures are throttled: pure, so the policy is a table test.
// Failures count within a window; from the maxFailures-th on, each failure blocks the
// key for a period that doubles, up to a cap. A success clears the account's count.

export interface ThrottlePolicy {
  maxFailures: number;
  windowMs: number;
  blockMs: number;
  maxBlockMs: number;
}

export interface ThrottleState {
  failures: number;
  windowStartedAt: number;
  blockedUntil: number | null;
}

export const WINDOW_MS = 15 * 60_000;

/** Seconds until the key may try again; 0 when it may now. */
export function retryAfterSeconds(state: ThrottleState | undefined, now: number): number {
  if (!state?.blockedUntil || state.blockedUntil <= now) return 0;
  return Math.max(1, Math.ceil((state.blockedUntil - now) / 1000));
}

export function recordFailure(state: ThrottleState | undefined, now: number, policy: ThrottlePolicy): ThrottleState {
  const fresh = !state || now - state.windowStartedAt > policy.windowMs;
  const failures = fresh ? 1 : state.failures + 1;
  const windowStartedAt = fresh ? now : state.windowStartedAt;
  if (failures < policy.maxFailures) return { failures, windowStartedAt, blockedUntil: fresh ? null : state.blockedUntil };
  const block = Math.min(policy.maxBlockMs, policy.blockMs * 2 ** Math.min(20, failures - policy.maxFailures));
  return { failures, windowStartedAt, blockedUntil: now + block };
}
