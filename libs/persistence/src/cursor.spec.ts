import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCursor, encodeCursor } from './cursor';

describe('cursor', () => {
  it('round-trips', () => {
    const c = { at: '2026-01-01T00:00:00.123Z', id: 'abc' };
    assert.deepEqual(decodeCursor(encodeCursor(c)), c);
  });
  for (const bad of ['', 'x', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["nope","a"]').toString('base64url')]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(decodeCursor(bad), undefined));
  }
});
