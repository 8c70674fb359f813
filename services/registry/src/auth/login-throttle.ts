// How repeated login failures are throttled: pure, so the policy is a table test.
// Failures count within a window; from the maxFailures-th on, each failure blocks the
// key for a period that doubles, up to a cap. A success clears the account's count.
// Every attempt counts as a failure before its credentials are checked (`reserveAttempt`)
// and is forgiven when they were right (`forgiveFailure`): counting only after the check
// let a burst of concurrent guesses all pass the check before the first one counted.

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

/**
 * An attempt about to check credentials: refused (`wait` seconds) while any key is blocked,
 * else counted as a failure on every key at once, so concurrent attempts see each other.
 */
export function reserveAttempt(states: readonly (ThrottleState | undefined)[], now: number, policies: readonly ThrottlePolicy[]): { wait: number; next: ThrottleState[] } {
  const wait = Math.max(0, ...states.map((s) => retryAfterSeconds(s, now)));
  if (wait > 0) return { wait, next: [] };
  return { wait: 0, next: states.map((s, i) => recordFailure(s, now, policies[i])) };
}

/** Takes back the failure an attempt was counted as when its credentials were right; a block stands only while the failures left still reach the limit. */
export function forgiveFailure(state: ThrottleState | undefined, policy: ThrottlePolicy): ThrottleState | undefined {
  if (!state || state.failures <= 0) return state;
  const failures = state.failures - 1;
  return { failures, windowStartedAt: state.windowStartedAt, blockedUntil: failures < policy.maxFailures ? null : state.blockedUntil };
}
