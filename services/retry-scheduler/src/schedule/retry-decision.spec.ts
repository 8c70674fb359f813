import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FailedOrder } from '@hookline/contracts';
import { retryPolicy } from '@hookline/delivery';
import { decide } from './retry-decision';

const H = 3_600_000;
const policy = retryPolicy({ schedule: [H, 2 * H, 6 * H, 24 * H] });
const t0 = new Date('2026-01-01T00:00:00Z');

function failed(attempt: number, attemptedAtMs: number, over: Partial<FailedOrder> = {}, manual = false): FailedOrder {
  return {
    order: { deliveryId: 'd', tenantId: 't', kind: 'webhook', eventId: 'e', topic: 'A', receiverId: 'r', attempt, body: '{}', createdAt: t0.toISOString(), ...(manual ? { manual } : {}) },
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
