import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OrderDedup } from './order-dedup';

describe('OrderDedup', () => {
  it('a copy handed out while the first is attempted is told so; once finished, copies are done', () => {
    const d = new OrderDedup();
    assert.equal(d.begin('d1:due:1'), 'new');
    assert.equal(d.begin('d1:due:1'), 'running');
    assert.equal(d.begin('d1:due:2'), 'new', 'another attempt of the same delivery is another order');
    d.finish('d1:due:1', true);
    assert.equal(d.begin('d1:due:1'), 'done');
  });

  it('an order that did not complete may be claimed again', () => {
    const d = new OrderDedup();
    d.begin('x');
    d.finish('x', false);
    assert.equal(d.begin('x'), 'new');
  });

  it('forgets finished orders after keepMs and beyond maxFinished, oldest first', () => {
    let t = 0;
    const d = new OrderDedup(2, 1000, () => t);
    for (const k of ['a', 'b', 'c']) {
      d.begin(k);
      d.finish(k, true);
      t += 100;
    }
    assert.equal(d.begin('a'), 'new', 'pushed out by the size bound');
    assert.equal(d.begin('b'), 'done');
    t += 1000;
    assert.equal(d.begin('c'), 'new', 'expired');
  });

  it('an order finished again is kept from its latest finish, not forgotten with its first', () => {
    let t = 0;
    const d = new OrderDedup(2, 1000, () => t);
    d.begin('a');
    d.finish('a', true);
    t += 600;
    d.begin('b');
    d.finish('b', true);
    // A copy of "a" completed once more (a nats-server crash handed it out again).
    d.finish('a', true);
    t += 500;
    assert.equal(d.begin('a'), 'done', 'its first finish is 1100 ms old, its latest 500 ms');
    assert.equal(d.begin('b'), 'done');
    d.finish('c', true);
    assert.equal(d.begin('b'), 'new', 'the oldest standing finish went when "c" came past the size bound');
    assert.equal(d.begin('a'), 'done');
  });

  it('keeps exactly the newest maxFinished over many more orders (the queue is cut down as it goes)', () => {
    const d = new OrderDedup(100);
    for (let i = 0; i < 50_000; i++) {
      d.begin(`o${i}`);
      d.finish(`o${i}`, true);
    }
    for (let i = 49_900; i < 50_000; i++) assert.equal(d.begin(`o${i}`), 'done', `o${i}`);
    assert.equal(d.begin('o49899'), 'new');
    assert.equal(d.begin('o0'), 'new');
  });
});
