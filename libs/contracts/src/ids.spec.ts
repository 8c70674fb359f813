// Derived ids must never change from one version to the next (a redelivered event must
// yield the same delivery ids): these values were computed by the first implementation
// (createHash('sha256'), bytes 6 and 8 masked).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { stableUuid, timeOrderedStableUuid, UUID_RE, uuidv7, uuidv7Time } from './ids';

/** The first implementation, kept here as the reference. */
function reference(...parts: string[]): string {
  const b = createHash('sha256').update(parts.join('\u0000')).digest().subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

describe('stableUuid', () => {
  const cases: string[][] = [
    ['delivery', '0196f3a2-7c1e-7d2a-9b3c-1a2b3c4d5e6f', 'rcv-1'],
    ['event', 'acme', 'm-1'],
    ['event-seq', 'acme', '42'],
    [''],
    ['ünïcødé', '✓', '\u0000'],
  ];
  for (const parts of cases) {
    it(`equals the first implementation for ${JSON.stringify(parts)}`, () => assert.equal(stableUuid(...parts), reference(...parts)));
  }
  it('has the UUID shape, version 8 and the RFC variant', () => {
    for (let i = 0; i < 200; i++) {
      const id = stableUuid('x', String(i));
      assert.match(id, UUID_RE);
      assert.equal(id[14], '8');
      assert.ok('89ab'.includes(id[19]));
      assert.equal(id, reference('x', String(i)));
    }
  });
  it('pins a known value', () => assert.equal(stableUuid('event', 'acme', 'm-1'), '29381885-7750-802e-bffc-fa1a679c4327'));
});

describe('uuidv7', () => {
  /** The millisecond a UUIDv7 carries in its first 48 bits. */
  const msOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

  it('is a version 7, RFC 9562 variant UUID carrying the given time', () => {
    const at = Date.UTC(2026, 11, 4, 10, 30, 0, 123);
    const id = uuidv7(at);
    assert.match(id, UUID_RE);
    assert.equal(id[14], '7', 'version nibble');
    assert.match(id[19], /[89ab]/, 'variant bits 10');
    assert.equal(msOf(id), at);
  });

  it('carries the current time when given none', () => {
    const before = Date.now();
    const id = uuidv7();
    assert.ok(msOf(id) >= before && msOf(id) <= Date.now() + 1, `${msOf(id)} within [${before}, now]`);
  });

  it('sorts in the order the ids were made, within one millisecond too', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length, 'no id twice');
  });

  it('differs between two ids of the same given millisecond', () => {
    const at = Date.now();
    const ids = new Set(Array.from({ length: 1000 }, () => uuidv7(at)));
    assert.equal(ids.size, 1000);
  });
});

describe('timeOrderedStableUuid', () => {
  const at = Date.UTC(2026, 11, 6, 9, 15, 0, 42);

  it('carries the time in its first 48 bits, version 8 and the RFC variant', () => {
    for (let i = 0; i < 200; i++) {
      const id = timeOrderedStableUuid(at + i, 'delivery', String(i));
      assert.match(id, UUID_RE);
      assert.equal(parseInt(id.replace(/-/g, '').slice(0, 12), 16), at + i);
      assert.equal(id[14], '8');
      assert.ok('89ab'.includes(id[19]));
    }
  });

  it('is the same for the same time and parts, and differs when a part does', () => {
    assert.equal(timeOrderedStableUuid(at, 'delivery', 'e1', 'r1'), timeOrderedStableUuid(at, 'delivery', 'e1', 'r1'));
    assert.notEqual(timeOrderedStableUuid(at, 'delivery', 'e1', 'r1'), timeOrderedStableUuid(at, 'delivery', 'e1', 'r2'));
    assert.notEqual(timeOrderedStableUuid(at, 'delivery', 'e1', 'r1'), timeOrderedStableUuid(at, 'delivery', 'e2', 'r1'));
    // Parts are separated, not concatenated.
    assert.notEqual(timeOrderedStableUuid(at, 'ab', 'c'), timeOrderedStableUuid(at, 'a', 'bc'));
  });

  it('pins a known value (derived ids must not change between versions)', () => {
    // Computed apart from this code: Python's hashlib.sha256 over the parts joined by NUL, laid out as the doc comment says.
    assert.equal(timeOrderedStableUuid(at, 'delivery', '019af2f1-5d7a-7000-8000-000000000001', 'rcv-1'), '01a24aa2-9a4a-8348-b60d-a73a4e8e2173');
  });

  it('sorts by time, whatever the parts', () => {
    const ids = Array.from({ length: 300 }, (_, i) => timeOrderedStableUuid(at + i * 7, 'delivery', `e${(i * 7919) % 300}`, 'r'));
    assert.deepEqual([...ids].sort(), ids);
  });

  it('clamps a time outside 48 bits instead of making a longer id', () => {
    assert.match(timeOrderedStableUuid(-5, 'x'), /^00000000-0000-8/);
    assert.match(timeOrderedStableUuid(2 ** 50, 'x'), /^ffffffff-ffff-8/);
  });
});

describe('uuidv7Time', () => {
  it('reads the time of a UUIDv7 and nothing from other ids', () => {
    const at = Date.UTC(2026, 11, 6, 1, 2, 3, 4);
    assert.equal(uuidv7Time(uuidv7(at)), at);
    assert.equal(uuidv7Time(stableUuid('event', 'acme', 'k')), undefined);
    assert.equal(uuidv7Time('not-a-uuid'), undefined);
    assert.equal(uuidv7Time('019af2f1-5d7a-7000-8000-00000000000'), undefined);
    assert.equal(uuidv7Time('019AF2F1-5D7A-7000-8000-000000000001'), undefined, 'the platform mints lower case');
  });
});
