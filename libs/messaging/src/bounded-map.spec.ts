import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forgetOldest } from './bounded-map';

describe('forgetOldest (the consumer host bounds its remembered deferrals with it, the listener its body hashes)', () => {
  it('deletes the n entries inserted first, an entry set again counting from its latest insertion', () => {
    const m = new Map(['a', 'b', 'c', 'd'].map((k, i) => [k, i]));
    // Deferred once more: moved to the end, as ConsumerHost does (delete, then set).
    m.delete('a');
    m.set('a', 9);
    forgetOldest(m, 2);
    assert.deepEqual([...m.keys()], ['d', 'a']);
  });

  it('empties the Map when asked for more than it holds, and leaves it alone for n <= 0', () => {
    const m = new Map([['x', 1]]);
    forgetOldest(m, 0);
    assert.equal(m.size, 1);
    forgetOldest(m, 5);
    assert.equal(m.size, 0);
  });

  it('keeps a Map held at a bound to the newest entries over many more inserts than the bound', () => {
    const max = 1000;
    const m = new Map<number, number>();
    for (let i = 0; i < 50_000; i++) {
      m.set(i, i);
      if (m.size > max) forgetOldest(m, max / 10);
    }
    assert.ok(m.size <= max && m.size > max - max / 10, String(m.size));
    assert.ok(m.has(49_999) && m.has(50_000 - m.size) && !m.has(49_999 - m.size));
  });
});
