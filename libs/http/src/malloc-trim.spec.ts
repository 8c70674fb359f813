import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadMallocTrim, scheduleMallocTrim } from './malloc-trim';

describe('loadMallocTrim', () => {
  it("finds glibc's malloc_trim through koffi on this Linux, and it runs", { skip: process.platform !== 'linux' }, () => {
    const trim = loadMallocTrim();
    assert.ok(trim, 'the machines this runs on are Debian, with glibc');
    const given = trim(0);
    assert.ok(given === 0 || given === 1, `malloc_trim returns 0 or 1, got ${given}`);
  });

  it('gives nothing where the library or the function is missing (musl, another platform)', () => {
    assert.equal(
      loadMallocTrim(() => {
        throw new Error('Cannot find module @koromix/koffi-linux-x64');
      }),
      undefined,
    );
    assert.equal(
      loadMallocTrim(() => ({
        load: () => ({
          func: () => {
            throw new Error('Cannot find function malloc_trim');
          },
        }),
      })),
      undefined,
    );
  });
});

describe('scheduleMallocTrim', () => {
  it('calls malloc_trim(0) at every interval, on a timer that keeps nobody alive', () => {
    const calls: string[] = [];
    let tick: (() => void) | undefined;
    const scheduled = scheduleMallocTrim({
      intervalMs: 5000,
      trim: (pad) => (calls.push(`trim ${pad}`), 1),
      every: (fn, ms) => {
        calls.push(`every ${ms}`);
        tick = fn;
        return { unref: () => calls.push('unref') };
      },
    });
    assert.equal(scheduled, true);
    assert.deepEqual(calls, ['every 5000', 'unref'], 'nothing trimmed before the first interval');
    tick?.();
    tick?.();
    assert.deepEqual(calls.slice(2), ['trim 0', 'trim 0']);
  });

  it('schedules nothing when turned off (0)', () => {
    let scheduled = 0;
    const every = () => (scheduled++, {});
    assert.equal(scheduleMallocTrim({ intervalMs: 0, trim: () => 1, every }), false);
    assert.equal(scheduled, 0);
  });
});
