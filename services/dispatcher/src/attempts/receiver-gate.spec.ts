import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deferDelay, ReceiverGate } from './receiver-gate';

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
    assert.deepEqual(g.stats('a'), { running: 1, waiting: 1 });
    g.release('a');
    g.release('a');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['first', 'second']);
    assert.deepEqual(g.stats('a'), { running: 0, waiting: 0 });
  });
});

describe('deferDelay', () => {
  const table: [number, number][] = [[1, 500], [2, 1000], [3, 2000], [7, 30_000], [500, 30_000]];
  for (const [n, ms] of table) it(`delivery ${n} -> ${ms} ms`, () => assert.equal(deferDelay(n), ms));
});
