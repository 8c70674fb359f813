import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from './group-commit';

/** A writer that records its batches and takes `ms` per batch (a timer, as a transaction's round trips do). */
function writer(ms = 0, fails: (items: number[]) => boolean = () => false) {
  const batches: number[][] = [];
  const write = async (items: number[]) => {
    batches.push(items);
    await new Promise((r) => setTimeout(r, ms));
    if (fails(items)) throw new Error(`bad ${items.join(',')}`);
  };
  return { batches, write };
}

describe('GroupCommit', () => {
  it('writes an item handed over alone at once, in a batch of one', async () => {
    const w = writer();
    const g = new GroupCommit(w.write, 10);
    await g.add(1);
    assert.deepEqual(w.batches, [[1]]);
  });

  it('items handed over in the same turn share a batch; those arriving while it is written make the next one, in order', async () => {
    const w = writer(20);
    const g = new GroupCommit(w.write, 100);
    const first = [1, 2, 3].map((i) => g.add(i));
    await new Promise((r) => setTimeout(r, 5));
    const later = [4, 5, 6, 7].map((i) => g.add(i));
    await Promise.all([...first, ...later]);
    assert.deepEqual(w.batches, [
      [1, 2, 3],
      [4, 5, 6, 7],
    ]);
  });

  it('never writes more than maxBatch at once, nor two batches at the same time', async () => {
    let writing = 0;
    let most = 0;
    const batches: number[][] = [];
    const g = new GroupCommit(async (items: number[]) => {
      writing++;
      most = Math.max(most, writing);
      batches.push(items);
      await new Promise((r) => setTimeout(r, 2));
      writing--;
    }, 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => g.add(i)));
    assert.deepEqual(batches, [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    assert.equal(most, 1);
  });

  it('a failed batch is written again one item at a time: only the bad item fails, with its own error', async () => {
    const w = writer(0, (items) => items.includes(2));
    const g = new GroupCommit(w.write, 10);
    const results = await Promise.allSettled([1, 2, 3].map((i) => g.add(i)));
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal((results[1] as PromiseRejectedResult).reason.message, 'bad 2');
    assert.deepEqual(w.batches, [[1, 2, 3], [1], [2], [3]]);
    // It keeps going afterwards.
    await g.add(4);
    assert.deepEqual(w.batches.at(-1), [4]);
    assert.equal(g.waiting, 0);
  });
  it('with a linger, batches start at most once per lingerMs while busy, so a steady stream makes fewer, larger batches', async () => {
    const w = writer(2);
    const g = new GroupCommit(w.write, 100, 40);
    const started = performance.now();
    const all: Promise<void>[] = [];
    // An item every 2 ms for about 120 ms.
    for (let i = 0; i < 60; i++) {
      all.push(g.add(i));
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(all);
    const elapsed = performance.now() - started;
    // The first item went alone and at once; then at most one batch per 40 ms.
    assert.deepEqual(w.batches[0], [0]);
    assert.ok(w.batches.length <= Math.ceil(elapsed / 40) + 1, `${w.batches.length} batches in ${elapsed.toFixed(0)} ms`);
    assert.ok(w.batches.length >= 3, `${w.batches.length} batches`);
    assert.deepEqual(w.batches.flat(), Array.from({ length: 60 }, (_, i) => i));
  });

  it('a full batch does not wait out the linger, and an item after a quiet spell is written at once', async () => {
    const w = writer(0);
    const g = new GroupCommit(w.write, 5, 10_000);
    await g.add(0);
    const t0 = performance.now();
    // Within the linger: the next batch goes as soon as five are waiting.
    await Promise.all([1, 2, 3, 4, 5].map((i) => g.add(i)));
    assert.ok(performance.now() - t0 < 5_000);
    assert.deepEqual(w.batches, [[0], [1, 2, 3, 4, 5]]);
    // A clock moved past the linger: the next item does not wait (it would wait 10 s otherwise).
    let clock = 0;
    const quiet = new GroupCommit(w.write, 5, 10_000, () => clock);
    await quiet.add(6);
    clock += 10_001;
    const t1 = performance.now();
    await quiet.add(7);
    assert.ok(performance.now() - t1 < 5_000, 'written without waiting');
    assert.deepEqual(w.batches.slice(2), [[6], [7]]);
  });
});
