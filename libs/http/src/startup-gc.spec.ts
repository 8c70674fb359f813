import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memoryMb, scheduleStartupGc, STARTUP_GC, YOUNG_GC } from './startup-gc';

describe('scheduleStartupGc', () => {
  it('does nothing without --expose-gc', () => {
    let scheduled = 0;
    assert.equal(scheduleStartupGc({ gc: undefined, schedule: () => (scheduled++, {}) }), false);
    assert.equal(scheduled, 0);
  });

  it('runs one memory-reducing collection once the delay is over, a young-generation one 5 s later, and reports what they gave back', () => {
    const calls: string[] = [];
    const pending: { fn: () => void; ms: number }[] = [];
    let rss = 143;
    const scheduled = scheduleStartupGc({
      gc: (o) => {
        calls.push(`gc ${JSON.stringify(o)}`);
        rss = 113;
      },
      rss: () => rss,
      schedule: (fn, ms) => {
        pending.push({ fn, ms });
        return { unref: () => calls.push('unref') };
      },
      onCollected: (before, after) => calls.push(`collected ${before} -> ${after}`),
    });
    assert.equal(scheduled, true);
    assert.equal(pending[0].ms, 10_000);
    assert.deepEqual(calls, ['unref'], 'nothing collected before the delay, and the timer keeps nobody alive');
    pending.shift()?.fn();
    assert.deepEqual(calls.slice(1, 2), [`gc ${JSON.stringify(STARTUP_GC)}`]);
    assert.equal(STARTUP_GC.flavor, 'last-resort', 'a regular collection keeps the pages');
    assert.equal(pending[0].ms, 5_000, 'the young generation is collected once the service has been quiet a while');
    pending.shift()?.fn();
    assert.deepEqual(calls.slice(2, 4), ['unref', `gc ${JSON.stringify(YOUNG_GC)}`]);
    assert.equal(YOUNG_GC.type, 'minor');
    pending.shift()?.fn();
    assert.equal(calls.at(-1), 'collected 143 -> 113');
    assert.equal(pending.length, 0);
  });
});

describe('memoryMb', () => {
  it('gives the process memory in MB', () => {
    const m = memoryMb();
    assert.ok(m.rss > 0 && m.heapUsed > 0 && m.heapTotal >= m.heapUsed);
    assert.ok(m.youngHeld >= 0 && m.youngHeld <= m.heapTotal, 'the young generation held is part of the heap');
  });
});
