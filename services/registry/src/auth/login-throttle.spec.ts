import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { recordFailure, retryAfterSeconds, ThrottlePolicy, ThrottleState } from './login-throttle';

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
});
