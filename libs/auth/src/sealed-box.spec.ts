import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, seal, SealedBoxError } from './sealed-box';

describe('sealed box (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const secret = randomBytes(20);

  it('round-trips and never contains the plaintext', () => {
    const sealed = seal(key, secret, 'account:a1:totp');
    assert.match(sealed, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(open(key, sealed, 'account:a1:totp'), secret);
    for (const enc of ['hex', 'base64', 'base64url'] as const) assert.ok(!sealed.includes(secret.toString(enc)));
  });
  it('uses a fresh nonce each time', () => assert.notEqual(seal(key, secret, 'x'), seal(key, secret, 'x')));
  it('is bound to its context: another account id does not decrypt', () => {
    assert.throws(() => open(key, seal(key, secret, 'account:a1:totp'), 'account:a2:totp'), SealedBoxError);
  });
  it('refuses another key', () => assert.throws(() => open(randomBytes(32), seal(key, secret, 'x'), 'x'), SealedBoxError));
  it('detects tampering', () => {
    const parts = seal(key, secret, 'x').split('.');
    const ct = Buffer.from(parts[2], 'base64url');
    ct[0] ^= 1;
    assert.throws(() => open(key, [parts[0], parts[1], ct.toString('base64url'), parts[3]].join('.'), 'x'), SealedBoxError);
    assert.throws(() => open(key, [parts[0], parts[1], parts[2], parts[3].slice(0, 8)].join('.'), 'x'), SealedBoxError);
    assert.throws(() => open(key, 'v2.a.b.c', 'x'), SealedBoxError);
  });
  it('refuses a key of the wrong size', () => assert.throws(() => seal(randomBytes(16), secret, 'x')));
});
