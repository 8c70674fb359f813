import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FailedOrder } from '@hookline/contracts';
import { pushNotificationProfile, retryPolicy } from '@hookline/delivery';
import { decide } from './retry-decision';

const H = 3_600_000;
const policy = retryPolicy({ schedule: [H, 2 * H, 6 * H, 24 * H] });
const t0 = new Date('2026-01-01T00:00:00Z');

function failed(attempt: number, attemptedAtMs: number, over: Partial<FailedOrder> = {}, manual = false, kind: 'webhook' | 'push' = 'webhook'): FailedOrder {
  return {
    order: { deliveryId: 'd', tenantId: 't', kind, target: 'r', source: { eventId: 'e', topic: 'A' }, attempt, body: '{}', createdAt: t0.toISOString(), ...(manual ? { manual } : {}) },
    attemptedAt: new Date(attemptedAtMs).toISOString(),
    errorClass: 'http-status',
    ...over,
  };
}

describe('decide', () => {
  it('follows the seed: 1h, 2h, 6h, 24h after each previous attempt, then gives up', () => {
    let at = t0.getTime();
    const waits = [H, 2 * H, 6 * H, 24 * H];
    for (let attempt = 1; attempt <= 4; attempt++) {
      const d = decide(failed(attempt, at), policy, new Date(at));
      assert.equal(d.kind, 'retry');
      if (d.kind !== 'retry') return;
      assert.equal(d.attempt, attempt + 1);
      assert.equal(d.at.getTime() - at, waits[attempt - 1]);
      at = d.at.getTime();
    }
    const last = decide(failed(5, at), policy, new Date(at));
    assert.equal(last.kind, 'give-up');
  });

  it('lets Retry-After lengthen a wait but never shorten it', () => {
    const longer = decide(failed(1, t0.getTime(), { retryAfter: String(3 * 3600) }), policy, t0);
    assert.equal(longer.kind === 'retry' && longer.at.getTime() - t0.getTime(), 3 * H);
    const shorter = decide(failed(1, t0.getTime(), { retryAfter: '5' }), policy, t0);
    assert.equal(shorter.kind === 'retry' && shorter.at.getTime() - t0.getTime(), H);
  });

  it('gives up at once on a final failure or a failed manual resend', () => {
    assert.equal(decide(failed(1, t0.getTime(), { final: true }), policy, t0).kind, 'give-up');
    assert.equal(decide(failed(6, t0.getTime(), {}, true), policy, t0).kind, 'give-up');
  });
});

describe('decide with an expiring policy (push notifications; compressed: a day is 1 s, the schedule 1 s, 2 s)', () => {
  const S = 1000;
  const policy = (days: number) => pushNotificationProfile({ expireAfterDays: days, dayMs: S, retry: retryPolicy({ schedule: [S, 2 * S] }) }).retry;
  const push = (attempt: number, atMs: number, over: Partial<FailedOrder> = {}, manual = false) => failed(attempt, t0.getTime() + atMs, over, manual, 'push');
  const now = (ms: number) => new Date(t0.getTime() + ms);
  // [days, attempts so far, last attempt (ms after creation), expected: [retry attempt, at ms] | 'expire' | 'give-up']
  const table: [string, number, number, number, [number, number] | 'expire' | 'give-up'][] = [
    ['first retry on the schedule', 10, 1, 0, [2, S]],
    ['second retry on the schedule', 10, 2, S, [3, 3 * S]],
    ['past the schedule the last wait repeats', 10, 3, 3 * S, [4, 5 * S]],
    ['and again', 10, 6, 7 * S, [7, 9 * S]],
    ['a retry that would fall after the expiry waits for the expiry instead', 4, 3, 3 * S, [4, 4 * S]],
    ['expired: deleted', 4, 4, 4 * S, 'expire'],
    ['0 days: deleted after the first failure', 0, 1, 0, 'expire'],
  ];
  for (const [name, days, attempts, lastMs, expected] of table) {
    it(name, () => {
      const d = decide(push(attempts, lastMs), policy(days), now(lastMs));
      if (expected === 'expire') assert.deepEqual(d, { kind: 'expire' });
      else if (expected === 'give-up') assert.equal(d.kind, 'give-up');
      else assert.deepEqual(d, { kind: 'retry', attempt: expected[0], at: now(expected[1]) });
    });
  }
  it('judges expiry against the setting it is given (a change applies to waiting notifications)', () => {
    assert.equal(decide(push(3, 3 * S), policy(2), now(3 * S)).kind, 'expire');
    assert.equal(decide(push(3, 3 * S), policy(30), now(3 * S)).kind, 'retry');
  });
  it('Retry-After cannot keep a notification past its expiry', () => {
    assert.deepEqual(decide(push(1, 0, { retryAfter: '3600' }), { ...policy(4), maxRetryAfterMs: 7200 * S }, now(0)), { kind: 'retry', attempt: 2, at: now(4 * S) });
  });
  it('a failed manual resend ends as a webhook\'s does', () => {
    assert.equal(decide(push(7, 0, {}, true), policy(4), now(0)).kind, 'give-up');
  });
  it('a final failure ends at once even before the expiry', () => {
    assert.equal(decide(push(1, 0, { final: true }), policy(4), now(0)).kind, 'give-up');
  });
});
