// How a consumed JetStream message is settled after its handler ran. Pure, so the
// whole policy is a table test: ack on success, nak with a growing delay on a
// retryable or unknown error, dead-letter + term only on poison or when the
// delivery budget is spent. Never term on every thrown error.
import { DeferredError, PoisonMessageError, RetryableError } from './errors';

export type Settlement =
  | { kind: 'ack' }
  | { kind: 'nak'; delayMs: number }
  | { kind: 'dead-letter'; reason: string };

export interface SettlementPolicy {
  maxDeliver: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_SETTLEMENT: SettlementPolicy = { maxDeliver: 20, baseDelayMs: 500, maxDelayMs: 60_000 };

export function backoffDelay(deliveryCount: number, policy: SettlementPolicy): number {
  const exp = Math.min(30, Math.max(0, deliveryCount - 1));
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exp);
}

export function settle(error: unknown, deliveryCount: number, policy: SettlementPolicy = DEFAULT_SETTLEMENT): Settlement {
  if (error === undefined) return { kind: 'ack' };
  if (error instanceof PoisonMessageError) return { kind: 'dead-letter', reason: error.message };
  if (error instanceof DeferredError) return { kind: 'nak', delayMs: Math.max(error.delayMs, 0) };
  if (deliveryCount >= policy.maxDeliver) {
    const why = error instanceof Error ? error.message : String(error);
    return { kind: 'dead-letter', reason: `gave up after ${deliveryCount} deliveries: ${why}` };
  }
  if (error instanceof RetryableError && error.delayMs !== undefined) {
    return { kind: 'nak', delayMs: Math.max(error.delayMs, 0) };
  }
  return { kind: 'nak', delayMs: backoffDelay(deliveryCount, policy) };
}
