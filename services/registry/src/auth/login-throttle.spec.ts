import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forgiveFailure, recordFailure, reserveAttempt, retryAfterSeconds, ThrottlePolicy, ThrottleState } from './login-throttle';

const policy: ThrottlePolicy = { maxFailures: 3, windowMs: 60_000, blockMs: 10_000, maxBlockMs: 40_000 };

describe('login throttling', () => {
  it('lets the first failures through, then blocks with a doubling period up to the cap', () => {
    let s: ThrottleState | undefined;
    const blocks: number[] = [];
    for (let i = 0; i < 6; i++) {
      s = recordFailure(s, 1000, policy);
      blocks.push(retryAfterSeconds(s, 1000));
    }
    assert.deepEqual(blocks, [0, 0, 10, 20, 40, 40]);
  });

  it('a block ends', () => {
    const s = recordFailure(recordFailure(recordFailure(undefined, 0, policy), 0, policy), 0, policy);
    assert.equal(retryAfterSeconds(s, 5_000), 5);
    assert.equal(retryAfterSeconds(s, 10_000), 0);
  });

  it('failures outside the window start a new count', () => {
    const s = recordFailure(recordFailure(undefined, 0, policy), 1000, policy);
    assert.equal(s.failures, 2);
    const later = recordFailure(s, 62_000, policy);
    assert.deepEqual(later, { failures: 1, windowStartedAt: 62_000, blockedUntil: null });
  });

  it('rounds a partial second up, never answers 0 while blocked', () => {
    assert.equal(retryAfterSeconds({ failures: 9, windowStartedAt: 0, blockedUntil: 1001 }, 1000), 1);
    assert.equal(retryAfterSeconds(undefined, 0), 0);
  });

  it('an attempt is counted on every key before its check, and refused on all while one is blocked', () => {
    const open = reserveAttempt([undefined, { failures: 1, windowStartedAt: 0, blockedUntil: null }], 1000, [policy, policy]);
    assert.deepEqual(open, { wait: 0, next: [{ failures: 1, windowStartedAt: 1000, blockedUntil: null }, { failures: 2, windowStartedAt: 0, blockedUntil: null }] });
    const blocked: ThrottleState = { failures: 3, windowStartedAt: 0, blockedUntil: 11_000 };
    assert.deepEqual(reserveAttempt([undefined, blocked], 1000, [policy, policy]), { wait: 10, next: [] });
  });

  it('the maxFailures-th attempt still runs, and blocks the ones after it', () => {
    let s: ThrottleState | undefined;
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = reserveAttempt([s], 1000, [policy]);
      waits.push(r.wait);
      if (r.next.length) s = r.next[0];
    }
    assert.deepEqual(waits, [0, 0, 0, 10, 10]);
  });

  it('a success takes its failure back, and with it a block the failures left no longer reach', () => {
    const table: [string, ThrottleState | undefined, ThrottleState | undefined][] = [
      ['nothing counted', undefined, undefined],
      ['one of two', { failures: 2, windowStartedAt: 5, blockedUntil: null }, { failures: 1, windowStartedAt: 5, blockedUntil: null }],
      ['the block its own count set', { failures: 3, windowStartedAt: 5, blockedUntil: 9000 }, { failures: 2, windowStartedAt: 5, blockedUntil: null }],
      ['a block other failures still reach', { failures: 4, windowStartedAt: 5, blockedUntil: 9000 }, { failures: 3, windowStartedAt: 5, blockedUntil: 9000 }],
      ['never below zero', { failures: 0, windowStartedAt: 5, blockedUntil: null }, { failures: 0, windowStartedAt: 5, blockedUntil: null }],
    ];
    for (const [name, before, after] of table) assert.deepEqual(forgiveFailure(before, policy), after, name);
  });
});
