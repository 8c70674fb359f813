import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReceiverGate } from './receiver-gate';

const PACING = { warmup: 4, initialMsPerCompletion: 5, spacing: 1, minDelayMs: 1, maxDelayMs: 60_000, warmupMaxDelayMs: 1000 };

/** A lane that is full (2 running, 2 waiting) and completes one attempt every `gapMs` (pacing: PACING). */
function busyLane(gapMs: number) {
  let t = 1_000;
  const g = new ReceiverGate(2, 2, PACING, () => t);
  for (let i = 0; i < 4; i++) g.admit('a');
  for (let i = 0; i < 8; i++) {
    t += gapMs;
    g.release('a');
    g.admit('a'); // the next order takes the freed place in the queue
  }
  return { g, advance: (ms: number) => (t += ms) };
}

describe('ReceiverGate', () => {
  it('runs up to the limit, queues up to the queue, refuses beyond', () => {
    const g = new ReceiverGate(2, 1);
    assert.equal(g.admit('a').kind, 'run');
    assert.equal(g.admit('a').kind, 'run');
    assert.equal(g.admit('a').kind, 'queued');
    assert.equal(g.admit('a').kind, 'full');
    assert.equal(g.admit('b').kind, 'run', 'another receiver is not affected');
  });

  it('hands a released slot to the first waiter, in order', async () => {
    const g = new ReceiverGate(1, 2);
    assert.equal(g.admit('a').kind, 'run');
    const first = g.admit('a');
    const second = g.admit('a');
    const order: string[] = [];
    if (first.kind === 'queued') void first.ready.then(() => order.push('first'));
    if (second.kind === 'queued') void second.ready.then(() => order.push('second'));
    g.release('a');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['first']);
    assert.deepEqual({ ...g.stats('a'), msPerCompletion: undefined }, { running: 1, waiting: 1, msPerCompletion: undefined });
    g.release('a');
    g.release('a');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['first', 'second']);
    assert.deepEqual(g.stats('a'), { running: 0, waiting: 0 });
  });
});

describe('ReceiverGate.tryAdmit (work that holds something while it waits)', () => {
  const pacing = PACING;

  it('queues while the expected wait fits, from the measured completion rate', () => {
    let t = 1_000;
    const g = new ReceiverGate(1, 2, pacing, () => t);
    const limits = { stalledAfterMs: 1000, maxWaitMs: 40 };
    assert.equal(g.tryAdmit('a', limits)?.kind, 'run');
    // Measure the lane: full, one completion every 8 ms, past the warmup (4).
    for (let i = 0; i < 6; i++) {
      assert.equal(g.tryAdmit('a', limits)?.kind, 'queued');
      t += 8;
      g.release('a');
    }
    assert.equal(g.stats('a').msPerCompletion, 8);
    // 8 ms per completion: positions 1..5 wait 8..40 ms, the 6th would wait 48 (the orders' queue limit of 2 does not apply once measured).
    const kinds = [1, 2, 3, 4, 5, 6].map(() => g.tryAdmit('a', limits)?.kind);
    assert.deepEqual(kinds, ['queued', 'queued', 'queued', 'queued', 'queued', undefined]);
    assert.deepEqual({ ...g.stats('a'), msPerCompletion: undefined }, { running: 1, waiting: 5, msPerCompletion: undefined }, 'a refusal changes nothing');
    t += 1;
    assert.equal(g.tryAdmit('b', limits)?.kind, 'run', 'another receiver is not affected');
  });

  it('takes nobody into the queue of a receiver that has gone too long without a completion', () => {
    let t = 1_000;
    const g = new ReceiverGate(2, 2, pacing, () => t);
    const limits = { stalledAfterMs: 500, maxWaitMs: 60_000 };
    g.tryAdmit('a', limits);
    g.tryAdmit('a', limits);
    t += 400;
    assert.equal(g.tryAdmit('a', limits)?.kind, 'queued', 'not stalled yet');
    t += 200;
    assert.equal(g.tryAdmit('a', limits), undefined, '600 ms without a completion');
    g.release('a');
    assert.equal(g.tryAdmit('a', limits)?.kind, 'queued', 'a completion: it moves again');
  });

  it('before a lane has a rate, judges it by how long its running attempts have taken so far', () => {
    let t = 1_000;
    const g = new ReceiverGate(2, 8, pacing, () => t);
    const limits = { stalledAfterMs: 10_000, maxWaitMs: 300 };
    g.tryAdmit('a', limits);
    g.tryAdmit('a', limits);
    t += 100;
    // Two running for 100 ms without a completion: at most one every 50 ms, so six places fit in 300 ms.
    const kinds = Array.from({ length: 7 }, () => g.tryAdmit('a', limits)?.kind);
    assert.deepEqual(kinds, ['queued', 'queued', 'queued', 'queued', 'queued', 'queued', undefined]);
  });

  it('before a lane has a rate, queues no more than an order could wait: a receiver that has just begun to hang looks fast', () => {
    let t = 1_000;
    const g = new ReceiverGate(2, 3, pacing, () => t);
    const limits = { stalledAfterMs: 10_000, maxWaitMs: 60_000 };
    g.tryAdmit('a', limits);
    g.tryAdmit('a', limits);
    t += 5;
    // 5 ms in, the time alone would let in thousands; the orders' queue (3) is the limit.
    const kinds = Array.from({ length: 5 }, () => g.tryAdmit('a', limits)?.kind);
    assert.deepEqual(kinds, ['queued', 'queued', 'queued', undefined, undefined]);
  });
});

describe('ReceiverGate pacing of handed-back orders', () => {
  const pacing = PACING;

  it('gives handed-back orders return times one completion apart, after the queue ahead of them', () => {
    const { g } = busyLane(10);
    assert.equal(g.stats('a').msPerCompletion, 10);
    const delays = [0, 1, 2, 3].map(() => {
      const a = g.admit('a');
      assert.equal(a.kind, 'full');
      return a.kind === 'full' ? a.retryInMs : -1;
    });
    // Two queued ahead: the first returns after half the queue has drained plus one completion.
    assert.deepEqual(delays, [20, 30, 40, 50]);
  });

  it('with wait limits, an order waits beyond the orders\' queue as long as fan-out\'s work may, and only then is handed back', () => {
    const { g } = busyLane(10);
    const limits = { stalledAfterMs: 500, maxWaitMs: 60 };
    // 2 waiting at 10 ms per completion: places 3..6 turn within 60 ms, the 7th would wait 70.
    const kinds = Array.from({ length: 5 }, () => g.admit('a', limits).kind);
    assert.deepEqual(kinds, ['queued', 'queued', 'queued', 'queued', 'full']);
    assert.equal(g.stats('a').waiting, 6);
    assert.equal(g.admit('a').kind, 'full', 'without limits, the orders\' queue (2) bounds it as before');
    // A lane that has completed nothing for longer than stalledAfterMs takes no order beyond its queue.
    const stalled = busyLane(10);
    stalled.advance(501);
    assert.equal(stalled.g.admit('a', limits).kind, 'full');
  });

  it('an order behind a long fan-out queue waits its turn instead of coming back again and again', async () => {
    let t = 1_000;
    const g = new ReceiverGate(1, 2, pacing, () => t);
    const limits = { stalledAfterMs: 1000, maxWaitMs: 5_000 };
    g.tryAdmit('a', limits);
    // Measure the lane (5 ms per completion) and fill its queue with fan-out's work, far beyond the orders' queue of 2.
    for (let i = 0; i < 6; i++) {
      g.tryAdmit('a', limits);
      t += 5;
      g.release('a');
    }
    for (let i = 0; i < 100; i++) assert.equal(g.tryAdmit('a', limits)?.kind, 'queued');
    const order = g.admit('a', limits);
    assert.equal(order.kind, 'queued', '101 ahead at 5 ms each: about half a second, within the limit');
    assert.equal(g.admit('a').kind, 'full', 'the rule before: handed back');
    let served = false;
    if (order.kind === 'queued') void order.ready.then(() => (served = true));
    for (let i = 0; i < 100; i++) {
      t += 5;
      g.release('a');
    }
    await new Promise((r) => setImmediate(r));
    assert.equal(served, false, 'fan-out\'s 100 go first');
    t += 5;
    g.release('a');
    await new Promise((r) => setImmediate(r));
    assert.equal(served, true, 'then the order, in its place');
  });

  it('by default spaces return times a little less than a completion apart: early rather than late', () => {
    let t = 0;
    const g = new ReceiverGate(1, 1, undefined, () => t);
    g.admit('a');
    g.admit('a');
    for (let i = 0; i < 40; i++) {
      t += 100;
      g.release('a');
      g.admit('a');
    }
    const delays = [0, 1, 2].map(() => {
      const a = g.admit('a');
      return a.kind === 'full' ? a.retryInMs : -1;
    });
    // 100 ms per completion, spaced 80 ms; one queued ahead (half of it counted), then 80 ms apart.
    assert.deepEqual(delays, [120, 200, 280]);
  });

  it('a slow receiver sends its orders away for longer than a fast one, and never beyond the cap', () => {
    const fast = busyLane(2).g.admit('a');
    const slow = busyLane(500).g.admit('a');
    assert.ok(fast.kind === 'full' && slow.kind === 'full');
    assert.ok(slow.retryInMs > 50 * fast.retryInMs, `${slow.retryInMs} vs ${fast.retryInMs}`);
    const { g } = busyLane(30_000);
    const capped = Array.from({ length: 5 }, () => g.admit('a'));
    for (const a of capped) assert.ok(a.kind === 'full' && a.retryInMs <= 60_000);
  });

  it('starts over from now once the return times given out have passed', () => {
    const { g, advance } = busyLane(10);
    for (let i = 0; i < 100; i++) g.admit('a');
    // 10 s at the same pace (one completion every 10 ms, the freed place taken at once).
    for (let i = 0; i < 1000; i++) {
      advance(10);
      g.release('a');
      g.admit('a');
    }
    const a = g.admit('a');
    assert.ok(a.kind === 'full');
    assert.equal(a.retryInMs, 20);
  });

  it('sends no order far away before the lane has measured its rate: a slow first attempt is not taken for the pace', () => {
    let t = 0;
    const g = new ReceiverGate(2, 2, pacing, () => t);
    for (let i = 0; i < 4; i++) g.admit('a');
    // The lane's first completion comes 3 s after it filled (a cold start), then one per 2 ms.
    t += 3000;
    g.release('a');
    g.admit('a');
    const early = Array.from({ length: 50 }, () => g.admit('a'));
    for (const a of early) assert.ok(a.kind === 'full' && a.retryInMs <= 1000, `handed away for ${a.kind === 'full' ? a.retryInMs : a.kind} ms before the rate is known`);
    for (let i = 0; i < 80; i++) {
      t += 2;
      g.release('a');
      g.admit('a');
    }
    // Past the warmup the turns follow the rate measured since (the 3 s gap is smoothed away
    // over the following completions), after the turns the early orders were given (1 s on).
    for (let i = 0; i < 500; i++) {
      t += 2;
      g.release('a');
      g.admit('a');
    }
    const later = g.admit('a');
    assert.ok(later.kind === 'full');
    assert.ok(later.retryInMs < 100, `${later.retryInMs} ms`);
  });

  it('sends the orders of a lane that has stopped completing away for about as long as it has been stalled, before and after it had a rate', () => {
    for (const measuredFirst of [false, true]) {
      let t = 0;
      const g = new ReceiverGate(2, 2, pacing, () => t);
      for (let i = 0; i < 4; i++) g.admit('a');
      if (measuredFirst) {
        // A fast receiver (a completion every 2 ms, past the warmup)…
        for (let i = 0; i < 20; i++) {
          t += 2;
          g.release('a');
          g.admit('a');
        }
        assert.equal(g.stats('a').msPerCompletion, 2);
      }
      // …then nothing completes: the same order, handed back each time it returns.
      const away: number[] = [];
      const stalledSince = t;
      for (let i = 0; i < 12; i++) {
        const a = g.admit('a');
        assert.ok(a.kind === 'full');
        away.push(a.retryInMs);
        t += a.retryInMs;
      }
      // Each time away for about as long as the lane has been stalled (2 slots: at most one
      // completion per stalled/2 ms), so the returns come further and further apart.
      const last = away[away.length - 1];
      for (let i = 2; i < away.length; i++) assert.ok(away[i] >= away[i - 1], `${measuredFirst}: ${away.join(', ')}`);
      assert.ok(last >= 0.4 * (t - last - stalledSince), `${measuredFirst}: the last return ${last} ms after a stall of ${t - last - stalledSince} ms`);
      assert.ok(t - stalledSince > 8_000, `${measuredFirst}: twelve returns took only ${t - stalledSince} ms: ${away.join(', ')}`);
      // The receiver answers again: from its next completion on, its orders come back much sooner.
      t += 2;
      g.release('a');
      g.admit('a');
      const back = g.admit('a');
      assert.ok(back.kind === 'full' && back.retryInMs < last / 4, `${measuredFirst}: ${back.kind === 'full' ? back.retryInMs : back.kind} after ${last}`);
    }
  });

  it('learns the rate only while the lane is full: idle gaps do not slow it down', () => {
    let t = 0;
    const g = new ReceiverGate(2, 2, pacing, () => t);
    for (let i = 0; i < 20; i++) {
      g.admit('b');
      t += 1000;
      g.admit('a');
      g.release('a'); // one at a time, an idle second apart: never full
    }
    g.release('b');
    assert.equal(g.stats('a').running, 0);
    for (let i = 0; i < 4; i++) g.admit('a');
    const a = g.admit('a');
    assert.ok(a.kind === 'full');
    assert.equal(a.retryInMs, 10, 'the initial 5 ms per completion: one waiting ahead plus one');
  });
});

describe('ReceiverGate.farTurn (fan-out\'s work that would be parked anyway)', () => {
  const pacing = PACING;
  const limits = { stalledAfterMs: 5_000, maxWaitMs: 20 };

  it('gives the turn only when it is further off than the limit, and then takes it as an order would', () => {
    const { g } = busyLane(10);
    // Return times 20, 30, 40, 50… ms off (see the pacing above): those within 45 ms go the order path, untouched.
    assert.equal(g.farTurn('a', 45, limits), undefined);
    assert.equal(g.farTurn('a', 45, limits), undefined, 'a refusal takes no return time');
    const order = g.admit('a');
    assert.deepEqual(order, { kind: 'full', retryInMs: 20 }, 'the order path still gets the first return time');
    assert.equal(g.admit('a').kind, 'full');
    assert.equal(g.admit('a').kind, 'full');
    // The next is 50 ms off: fan-out may park it, and the one after it is one completion later.
    assert.equal(g.farTurn('a', 45, limits), 50);
    assert.equal(g.farTurn('a', 45, limits), 60);
    assert.deepEqual(g.admit('a'), { kind: 'full', retryInMs: 70 }, 'orders come after what fan-out parked');
  });

  it('never for a lane with room: a free slot, a place in the orders\' queue, or a turn within the wait fan-out may take', () => {
    let t = 1_000;
    const g = new ReceiverGate(2, 2, pacing, () => t);
    assert.equal(g.farTurn('a', 0, limits), undefined, 'no lane yet');
    g.admit('a');
    assert.equal(g.farTurn('a', 0, limits), undefined, 'a slot is free');
    g.admit('a');
    assert.equal(g.farTurn('a', 0, limits), undefined, 'the orders\' queue has room');
    g.admit('a');
    g.admit('a');
    // Full, and the queue too: with a measured rate of 10 ms, a turn 30 ms off is still one to wait for, with a wait of a second.
    for (let i = 0; i < 8; i++) {
      t += 10;
      g.release('a');
      g.admit('a');
    }
    assert.equal(g.farTurn('a', 0, { stalledAfterMs: 5_000, maxWaitMs: 1_000 }), undefined, 'the order would wait here for its turn');
    assert.ok((g.farTurn('a', 0, limits) ?? 0) > 0, 'beyond the wait: a return time');
    assert.equal(g.stats('a').running, 2);
  });
});

describe('ReceiverGate: a receiver that hangs is cut to its probes', () => {
  const tick = () => new Promise((r) => setImmediate(r));
  const throttle = { timeoutsInARow: 3, probes: 2, remember: 2 };
  /** A gate of 8 slots and a queue of 8; the clock moves only when the test says. */
  function gate() {
    let t = 1_000;
    const g = new ReceiverGate(8, 8, PACING, () => t, throttle);
    return { g, advance: (ms: number) => (t += ms) };
  }

  it('after timeouts in a row: the running attempts finish, and only the probes run again', () => {
    const { g } = gate();
    for (let i = 0; i < 8; i++) assert.equal(g.admit('a').kind, 'run');
    g.release('a', 'timed-out');
    g.release('a', 'timed-out');
    assert.equal(g.stats('a').limit, undefined, 'two timeouts: still every slot');
    g.release('a', 'timed-out');
    assert.equal(g.stats('a').limit, 2);
    assert.equal(g.stats('a').running, 5, 'the five still out are not cut short');
    assert.equal(g.admit('a').kind, 'queued', 'no slot for a newcomer while more than the probes run');
    for (let i = 0; i < 4; i++) g.release('a', 'timed-out');
    assert.equal(g.stats('a').running, 2, 'the queued order got the second probe when the running fell to one');
  });

  it('never for timeouts between answers: a slow request now and then is no hang', () => {
    const { g } = gate();
    for (let i = 0; i < 8; i++) g.admit('a');
    for (let i = 0; i < 6; i++) {
      g.release('a', i % 2 === 0 ? 'timed-out' : 'answered');
      g.admit('a');
      g.release('a', 'timed-out');
      g.admit('a');
      g.release('a', 'answered');
      g.admit('a');
    }
    assert.equal(g.stats('a').limit, undefined);
    assert.equal(g.stats('a').running, 8);
  });

  it('shrinks the queue with the slots: the orders beyond it are sent away, last come first, with return times', async () => {
    const { g } = gate();
    for (let i = 0; i < 8; i++) g.admit('a');
    const queued = Array.from({ length: 6 }, () => g.admit('a'));
    const turns = queued.map((q) => (q.kind === 'queued' ? q.ready : undefined));
    assert.ok(turns.every((p) => p !== undefined));
    const settled: (string | undefined)[] = turns.map(() => undefined);
    turns.forEach((p, i) => void p?.then((turn) => (settled[i] = turn.kind === 'full' ? `full ${turn.retryInMs > 0}` : turn.kind)));
    for (let i = 0; i < 3; i++) g.release('a', 'timed-out');
    await tick();
    // The first two timeouts passed their slots on; the third cut the lane to 2 probes, which
    // keep a queue of 2 (8 places for 8 slots): the last two are sent away.
    assert.deepEqual(settled, ['run', 'run', undefined, undefined, 'full true', 'full true']);
    assert.deepEqual({ ...g.stats('a'), msPerCompletion: undefined }, { running: 7, waiting: 2, limit: 2, msPerCompletion: undefined });
    assert.equal(g.admit('a').kind, 'full', 'and a newcomer finds it full');
  });

  it('an answer doubles the slots, up to the limit: a receiver that recovers is at full speed after a few answers', () => {
    const { g } = gate();
    for (let i = 0; i < 8; i++) g.admit('a');
    for (let i = 0; i < 8; i++) g.release('a', 'timed-out');
    assert.equal(g.stats('a').limit, 2, 'remembered with the lane empty');
    const limits: (number | undefined)[] = [];
    g.admit('a');
    for (let i = 0; i < 3; i++) {
      g.release('a', 'answered');
      limits.push(g.stats('a').limit);
      g.admit('a');
    }
    assert.deepEqual(limits, [4, undefined, undefined], '2, 4, then all 8 again');
    for (let i = 0; i < 7; i++) assert.equal(g.admit('a').kind, 'run', 'eight at once again');
  });

  it('when an answer doubles the slots, the queue takes them all at once: a newcomer never runs ahead of it', async () => {
    const { g } = gate();
    for (let i = 0; i < 8; i++) g.admit('a');
    for (let i = 0; i < 7; i++) g.release('a', 'timed-out');
    assert.deepEqual({ ...g.stats('a'), msPerCompletion: undefined }, { running: 1, waiting: 0, limit: 2, msPerCompletion: undefined });
    assert.equal(g.admit('a').kind, 'run', 'the second probe');
    const waiters = [g.admit('a'), g.admit('a')];
    const turns: string[] = [];
    for (const w of waiters) if (w.kind === 'queued') void w.ready.then((t) => turns.push(t.kind));
    g.release('a', 'answered');
    await tick();
    assert.deepEqual(turns, ['run', 'run'], 'four slots now: the answered one and two more, both to the queue');
    assert.deepEqual({ ...g.stats('a'), msPerCompletion: undefined }, { running: 3, waiting: 0, limit: 4, msPerCompletion: undefined });
    assert.equal(g.admit('a').kind, 'run', 'the fourth slot');
    assert.equal(g.admit('a').kind, 'queued');
  });

  it('remembers a cut receiver once its lane is empty (the orders back from the agenda find it probed), the oldest forgotten beyond `remember`', () => {
    const { g } = gate();
    const hang = (key: string) => {
      for (let i = 0; i < 3; i++) g.admit(key);
      for (let i = 0; i < 3; i++) g.release(key, 'timed-out');
    };
    hang('a');
    assert.deepEqual(g.stats('a'), { running: 0, waiting: 0, limit: 2 });
    const kinds = Array.from({ length: 3 }, () => g.admit('a').kind);
    assert.deepEqual(kinds, ['run', 'run', 'queued'], 'back with two probes');
    for (let i = 0; i < 3; i++) g.release('a', 'timed-out');
    hang('b');
    hang('c');
    assert.deepEqual(g.stats('a'), { running: 0, waiting: 0 }, 'forgotten: two remembered at most, and a was the oldest');
    assert.equal(g.stats('c').limit, 2);
    const healthy = Array.from({ length: 8 }, () => g.admit('a').kind);
    assert.ok(healthy.every((k) => k === 'run'));
  });

  it('a timeout is no completion: the lane stays stalled (also once emptied and back), and its orders are sent away further apart the longer it has not answered', () => {
    const { g, advance } = gate();
    for (let i = 0; i < 8; i++) g.admit('a');
    advance(2_000);
    for (let i = 0; i < 8; i++) g.release('a', 'timed-out');
    for (let i = 0; i < 4; i++) g.admit('a');
    const first = g.admit('a');
    const second = g.admit('a');
    assert.equal(first.kind, 'full');
    assert.equal(second.kind, 'full');
    // No answer for 2 s since the lane began (its timeouts reset nothing): 2000/8 = 250 ms a
    // completion once it answers with every slot, the return times spaced that far apart.
    if (first.kind === 'full' && second.kind === 'full') assert.equal(second.retryInMs - first.retryInMs, 250);
    assert.equal(g.farTurn('a', 30_000, { stalledAfterMs: 500, maxWaitMs: 500 }), undefined, 'not yet a turn beyond 30 s');
    advance(6_000);
    for (let i = 0; i < 30; i++) g.admit('a');
    const far = g.farTurn('a', 30_000, { stalledAfterMs: 500, maxWaitMs: 500 });
    assert.ok(far !== undefined && far > 30_000, `8 s without an answer: 1 s apart, and a cut lane's turns are not capped as a lane without a rate's would be, so they go far and are parked (${far})`);
    // It answers: the turns given out while it hung are no guide; a newcomer's is near.
    g.release('a', 'answered');
    let after = g.admit('a');
    for (let i = 0; i < 20 && after.kind !== 'full'; i++) after = g.admit('a');
    assert.ok(after.kind === 'full' && after.retryInMs < 2_000, JSON.stringify(after));
  });

});
