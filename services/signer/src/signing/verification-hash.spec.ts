// The verification hash against vectors computed outside this code (Python's hashlib:
// hashlib.md5(b"1767225600my-salt").hexdigest()), as a receiver would check it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verificationFields } from './signing.service';

describe('verification-hash', () => {
  const vectors: [number, string, string][] = [
    [1767225600, 'my-salt', 'cb1d54582d2cf5d721dac1fe9df37f6b'],
    // UTF-8 bytes of the salt, as hashlib.md5("1767225600sålt✓".encode()) has them.
    [1767225600, 'sålt✓', 'aad33a85cd7163fae91c0237bf82202f'],
  ];
  for (const [ts, salt, hex] of vectors) {
    it(`md5("${ts}" + ${JSON.stringify(salt)})`, () => assert.deepEqual(verificationFields(ts, salt), { timestamp: String(ts), verification: hex }));
  }
});
