import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RETRY_POLICY, pushNotificationProfile, type RetryPolicy } from './delivery-plan';
import { nextAttempt, parseRetryAfter, retryPolicy, type RetryDecision } from './retry-policy';

const H = 3_600_000;
const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('nextAttempt with the seed schedule (1h, 2h, 6h, 24h after each previous attempt)', () => {
  // [attemptsSoFar, last attempt at (ms after t0), expected next attempt (ms after t0) or give-up]
  const table: [number, number, number | 'give-up'][] = [
    [1, 0, 1 * H],
    [2, 1 * H, 3 * H],
    [3, 3 * H, 9 * H],
    [4, 9 * H, 33 * H],
    [5, 33 * H, 'give-up'],
    [9, 40 * H, 'give-up'],
    // Measured from the previous attempt, not from creation: a late first retry shifts the rest.
    [2, 5 * H, 7 * H],
  ];
  for (const [attempts, last, expected] of table) {
    it(`after attempt ${attempts} at +${last / H}h -> ${expected === 'give-up' ? expected : `+${expected / H}h`}`, () => {
      const d = nextAttempt(DEFAULT_RETRY_POLICY, { attemptsSoFar: attempts, lastAttemptAt: at(last), createdAt: t0, now: at(last) });
      if (expected === 'give-up') {
        assert.equal(d.kind, 'give-up');
        assert.match((d as { reason: string }).reason, /failed after \d+ attempts/);
      } else {
        assert.deepEqual(d, { kind: 'retry', at: at(expected), retryNumber: attempts });
      }
    });
  }

  it('the whole schedule: 5 attempts, then failed for good', () => {
    const times = [0];
    let d: RetryDecision;
    for (;;) {
      const last = at(times[times.length - 1]);
      d = nextAttempt(DEFAULT_RETRY_POLICY, { attemptsSoFar: times.length, lastAttemptAt: last, createdAt: t0, now: last });
      if (d.kind === 'give-up') break;
      times.push(d.at.getTime() - t0.getTime());
    }
    assert.deepEqual(times.map((t) => t / H), [0, 1, 3, 9, 33]);
  });
});

describe('configurable durations', () => {
  const fast = retryPolicy({ schedule: [1000, 2000, 6000, 24_000] });
  it('runs in seconds for tests', () => {
    assert.deepEqual(nextAttempt(fast, { attemptsSoFar: 3, lastAttemptAt: at(3000), createdAt: t0, now: at(3100) }), { kind: 'retry', at: at(9000), retryNumber: 3 });
  });
  it('clamps Retry-After to the longest wait by default', () => assert.equal(fast.maxRetryAfterMs, 24_000));
  it('rejects a negative wait', () => assert.throws(() => retryPolicy({ schedule: [1000, -1] }), RangeError));
  it('an empty schedule means one attempt only', () => {
    const d = nextAttempt(retryPolicy({ schedule: [] }), { attemptsSoFar: 1, lastAttemptAt: t0, createdAt: t0, now: t0 });
    assert.deepEqual(d, { kind: 'give-up', reason: 'failed; the profile does not retry' });
  });
  it('a scheduler running late retries now rather than in the past', () => {
    const d = nextAttempt(fast, { attemptsSoFar: 1, lastAttemptAt: t0, createdAt: t0, now: at(50_000) });
    assert.deepEqual(d, { kind: 'retry', at: at(50_000), retryNumber: 1 });
  });
});

describe('jitter', () => {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, jitterMs: 60_000 };
  for (const r of [0, 0.25, 0.999999]) {
    it(`never shortens the wait (random=${r})`, () => {
      const d = nextAttempt(policy, { attemptsSoFar: 1, lastAttemptAt: t0, createdAt: t0, now: t0, random: () => r });
      assert.equal(d.kind, 'retry');
      const wait = (d as { at: Date }).at.getTime() - t0.getTime();
      assert.ok(wait >= H && wait < H + 60_000, `wait ${wait}`);
      assert.equal(wait, H + Math.floor(r * 60_000));
    });
  }
});

describe('Retry-After', () => {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxRetryAfterMs: 3 * H };
  const table: [string, string | undefined, number][] = [
    ['absent: the schedule', undefined, 1 * H],
    ['shorter than the schedule: ignored', '60', 1 * H],
    ['longer seconds: lengthens', '7200', 2 * H],
    ['longer than the clamp: clamped', '999999', 3 * H],
    ['HTTP-date later than the schedule: lengthens', 'Thu, 01 Jan 2026 02:30:00 GMT', 2.5 * H],
    ['HTTP-date in the past: the schedule', 'Wed, 31 Dec 2025 23:00:00 GMT', 1 * H],
    ['garbage: the schedule', 'soon', 1 * H],
    ['negative: the schedule', '-5', 1 * H],
  ];
  for (const [name, header, expected] of table) {
    it(name, () => {
      const d = nextAttempt(policy, { attemptsSoFar: 1, lastAttemptAt: t0, createdAt: t0, now: t0, retryAfterHeader: header });
      assert.deepEqual(d, { kind: 'retry', at: at(expected), retryNumber: 1 });
    });
  }
});

describe('parseRetryAfter', () => {
  const table: [string | null | undefined, number | undefined][] = [
    ['120', 120_000],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['Thursday, 01-Jan-26 00:01:00 GMT', 60_000],
    ['Thu Jan  1 00:02:00 2026', 120_000],
    ['1.5', undefined],
    ['2026', 2_026_000],
    ['Thu, 99 Foo 2026 00:00:00 GMT', undefined],
    ['next week', undefined],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
  ];
  for (const [header, expected] of table) it(`${JSON.stringify(header)} -> ${expected}`, () => assert.equal(parseRetryAfter(header, t0), expected));
});

describe('expiry (push notifications: undelivered ones are dropped after N days)', () => {
  const policy = pushNotificationProfile({ expireAfterDays: 1 }).retry;
  it('retries while the next attempt is inside the window', () => {
    const d = nextAttempt(policy, { attemptsSoFar: 3, lastAttemptAt: at(3 * H), createdAt: t0, now: at(3 * H) });
    assert.deepEqual(d, { kind: 'retry', at: at(9 * H), retryNumber: 3 });
  });
  it('gives up when the next attempt would fall after it', () => {
    const d = nextAttempt(policy, { attemptsSoFar: 4, lastAttemptAt: at(9 * H), createdAt: t0, now: at(9 * H) });
    assert.equal(d.kind, 'give-up');
    assert.match((d as { reason: string }).reason, /expired.*1d/);
  });
  it('gives up at once when already expired', () => {
    const d = nextAttempt(policy, { attemptsSoFar: 1, lastAttemptAt: at(25 * H), createdAt: t0, now: at(25 * H) });
    assert.equal(d.kind, 'give-up');
  });
  it('Retry-After cannot push past the expiry', () => {
    const d = nextAttempt({ ...policy, maxRetryAfterMs: 48 * H }, { attemptsSoFar: 1, lastAttemptAt: t0, createdAt: t0, now: t0, retryAfterHeader: String(30 * 3600) });
    assert.equal(d.kind, 'give-up');
  });
});

describe('retrying until the expiry (push notifications)', () => {
  const week = pushNotificationProfile({ expireAfterDays: 7 }).retry;
  // [attemptsSoFar, last attempt at (h after creation), next attempt (h) or give-up]
  const table: [number, number, number | 'give-up'][] = [
    [4, 9, 33],
    // Past the schedule's end its last wait (24 h) repeats...
    [5, 33, 57],
    [9, 129, 153],
    // ...until the next attempt would fall after the 7-day expiry.
    [10, 153, 'give-up'],
  ];
  for (const [attempts, lastH, expected] of table) {
    it(`${attempts} attempts, the last at ${lastH}h -> ${expected === 'give-up' ? expected : `${expected}h`}`, () => {
      const d = nextAttempt(week, { attemptsSoFar: attempts, lastAttemptAt: at(lastH * H), createdAt: t0, now: at(lastH * H) });
      if (expected === 'give-up') assert.equal(d.kind, 'give-up');
      else assert.deepEqual(d, { kind: 'retry', at: at(expected * H), retryNumber: attempts });
    });
  }
  it('a webhook policy (no expiry) still ends with its schedule', () => {
    const d = nextAttempt({ ...DEFAULT_RETRY_POLICY, untilExpiry: true }, { attemptsSoFar: 5, lastAttemptAt: at(33 * H), createdAt: t0, now: at(33 * H) });
    assert.equal(d.kind, 'give-up');
  });
  it('an empty schedule never retries', () => {
    const d = nextAttempt({ ...week, schedule: [] }, { attemptsSoFar: 1, lastAttemptAt: t0, createdAt: t0, now: t0 });
    assert.equal(d.kind, 'give-up');
  });
  it('the day can be compressed (tests: HOOKLINE_PUSH_DAY_LENGTH)', () => {
    const p = pushNotificationProfile({ expireAfterDays: 5, dayMs: 1000, retry: retryPolicy({ schedule: [1000, 2000] }) }).retry;
    assert.equal(p.expireAfterMs, 5000);
    assert.equal(p.untilExpiry, true);
    assert.deepEqual(nextAttempt(p, { attemptsSoFar: 3, lastAttemptAt: at(3000), createdAt: t0, now: at(3000) }), { kind: 'retry', at: at(5000), retryNumber: 3 });
    assert.equal(nextAttempt(p, { attemptsSoFar: 4, lastAttemptAt: at(5000), createdAt: t0, now: at(5000) }).kind, 'give-up');
  });
});
