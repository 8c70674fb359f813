import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scheduleStartupGc } from './startup-gc';

describe('scheduleStartupGc', () => {
  it('does nothing without --expose-gc', () => {
    let scheduled = 0;
    assert.equal(scheduleStartupGc({ gc: undefined, schedule: () => (scheduled++, {}) }), false);
    assert.equal(scheduled, 0);
  });

  it('runs one collection once the delay is over, off the event loop’s keep-alive', () => {
    const calls: string[] = [];
    let pending: (() => void) | undefined;
    let delay = -1;
    const scheduled = scheduleStartupGc({
      gc: () => calls.push('gc'),
      delayMs: 1234,
      schedule: (fn, ms) => {
        pending = fn;
        delay = ms;
        return { unref: () => calls.push('unref') };
      },
      onDone: (before, after) => calls.push(`done ${before > 0 && after > 0}`),
    });
    assert.equal(scheduled, true);
    assert.equal(delay, 1234);
    assert.deepEqual(calls, ['unref'], 'nothing collected before the delay');
    pending?.();
    assert.deepEqual(calls, ['unref', 'gc', 'done true']);
  });
});
