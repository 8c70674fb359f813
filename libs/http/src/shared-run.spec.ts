import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sharedRun } from './shared-run';

describe('shared run: one run of an expensive check for every caller who asks meanwhile', () => {
  it('callers while a run is in flight share it; after reuseMs a new run starts', async () => {
    let clock = 0;
    let runs = 0;
    let release: () => void = () => undefined;
    const check = sharedRun(
      () =>
        new Promise<number>((resolve) => {
          runs++;
          release = () => resolve(runs);
        }),
      1000,
      () => clock,
    );
    const waiting = Array.from({ length: 20 }, () => check());
    release();
    assert.deepEqual(await Promise.all(waiting), Array(20).fill(1));
    assert.equal(runs, 1);
    clock = 999;
    assert.equal(await check(), 1, 'reused within reuseMs');
    assert.equal(runs, 1);
    clock = 1000;
    const next = check();
    release();
    assert.equal(await next, 2);
    assert.equal(runs, 2);
  });

  it('a failed run is not reused', async () => {
    let runs = 0;
    const check = sharedRun(async () => {
      runs++;
      if (runs === 1) throw new Error('down');
      return 'up';
    }, 1000, () => 0);
    await assert.rejects(check(), /down/);
    assert.equal(await check(), 'up');
    assert.equal(runs, 2);
  });
});
