import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCursor, encodeCursor } from './cursor';

describe('cursor', () => {
  it('round-trips', () => {
    const c = { at: '2026-01-01T00:00:00.123Z', id: 'abc' };
    assert.deepEqual(decodeCursor(encodeCursor(c)), c);
  });
  const forged = (at: string, id: string) => Buffer.from(JSON.stringify([at, id])).toString('base64url');
  for (const bad of [
    '',
    'x',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["nope","a"]').toString('base64url'),
    // times Date.parse takes but PostgreSQL does not (or that no cursor of ours holds)
    forged('1', 'a'),
    forged('2020', 'a'),
    forged('+010000-01-01T00:00:00.000Z', 'a'),
    forged('0000-12-31T23:59:59.999Z', 'a'),
    forged('2021-02-30T00:00:00.000Z', 'a'),
    forged('2021-01-01T00:00:00Z', 'a'),
    forged('Tue, 01 Jan 2030 00:00:00 GMT', 'a'),
    // ids no table holds
    forged('2026-01-01T00:00:00.123Z', ''),
    forged('2026-01-01T00:00:00.123Z', 'a\u0000b'),
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(decodeCursor(bad), undefined));
  }
  it('checks the id against the pattern of a typed id column', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    assert.equal(decodeCursor(forged('2026-01-01T00:00:00.123Z', 'not-a-uuid'), uuid), undefined);
    assert.deepEqual(decodeCursor(forged('2026-01-01T00:00:00.123Z', '01900000-0000-7000-8000-0000000000aa'), uuid), { at: '2026-01-01T00:00:00.123Z', id: '01900000-0000-7000-8000-0000000000aa' });
  });
});
