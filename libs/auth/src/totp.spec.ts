import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import { base32Decode, base32Encode, generateTotpSecret, hotp, totpAt, totpStep, totpUri, verifyTotp } from './totp';

// RFC 6238 appendix B, SHA-1, 8 digits; the secret is ASCII "12345678901234567890".
const RFC_SECRET = Buffer.from('12345678901234567890');

describe('hotp / totp', () => {
  const vectors: [number, string][] = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
  ];
  for (const [t, code] of vectors) it(`RFC 6238 vector at T=${t}`, () => assert.equal(hotp(RFC_SECRET, totpStep(t * 1000), 8), code));

  it('agrees with an independent implementation (otpauth)', () => {
    const secret = generateTotpSecret();
    const other = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(base32Encode(secret)), digits: 6, period: 30, algorithm: 'SHA1' });
    for (const t of [0, 1_700_000_000_000, Date.now()]) assert.equal(totpAt(secret, t), other.generate({ timestamp: t }));
  });
});

describe('base32', () => {
  it('round-trips', () => {
    for (let n = 0; n < 40; n++) {
      const b = generateTotpSecret().subarray(0, n % 21);
      assert.deepEqual(base32Decode(base32Encode(b)), b);
    }
  });
  it('encodes the RFC 4648 vector', () => assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI'));
  it('rejects garbage', () => assert.throws(() => base32Decode('not base32!')));
  it('reads lower case, padding and spaces as authenticator apps write them', () => assert.deepEqual(base32Decode('mzxw 6ytb oi======'), Buffer.from('foobar')));
});

describe('verifyTotp', () => {
  const secret = generateTotpSecret();
  const now = 1_750_000_000_000;
  const step = totpStep(now);
  const at = (s: number) => hotp(secret, s);

  it('accepts the current code and reports its step', () => assert.deepEqual(verifyTotp(secret, at(step), { nowMs: now, lastUsedStep: null }), { ok: true, step }));
  it('accepts one step either side (clock drift)', () => {
    assert.deepEqual(verifyTotp(secret, at(step - 1), { nowMs: now, lastUsedStep: null }), { ok: true, step: step - 1 });
    assert.deepEqual(verifyTotp(secret, at(step + 1), { nowMs: now, lastUsedStep: null }), { ok: true, step: step + 1 });
  });
  it('rejects two steps away', () => {
    assert.deepEqual(verifyTotp(secret, at(step - 2), { nowMs: now, lastUsedStep: null }), { ok: false, reason: 'invalid' });
    assert.deepEqual(verifyTotp(secret, at(step + 2), { nowMs: now, lastUsedStep: null }), { ok: false, reason: 'invalid' });
  });
  it('never accepts a code twice, nor an older one after a newer', () => {
    assert.deepEqual(verifyTotp(secret, at(step), { nowMs: now, lastUsedStep: step }), { ok: false, reason: 'replayed' });
    assert.deepEqual(verifyTotp(secret, at(step - 1), { nowMs: now, lastUsedStep: step }), { ok: false, reason: 'replayed' });
    assert.deepEqual(verifyTotp(secret, at(step + 1), { nowMs: now, lastUsedStep: step }), { ok: true, step: step + 1 });
  });
  it('rejects malformed codes without computing', () => {
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 123456']) assert.deepEqual(verifyTotp(secret, bad, { nowMs: now, lastUsedStep: null }), { ok: false, reason: 'malformed' });
  });
  it('rejects a code of another secret', () => {
    const other = generateTotpSecret();
    const code = hotp(other, step);
    if (code !== at(step) && code !== at(step - 1) && code !== at(step + 1)) {
      assert.equal(verifyTotp(secret, code, { nowMs: now, lastUsedStep: null }).ok, false);
    }
  });
});

describe('totpUri', () => {
  it('is a Key Uri Format URI that otpauth parses', () => {
    const secret = generateTotpSecret();
    const uri = totpUri({ issuer: 'Hookline', label: 'acme/robot 1', secret });
    const parsed = OTPAuth.URI.parse(uri) as OTPAuth.TOTP;
    assert.equal(parsed.issuer, 'Hookline');
    assert.equal(parsed.label, 'acme/robot 1');
    assert.equal(parsed.secret.base32, base32Encode(secret));
    assert.equal(parsed.digits, 6);
    assert.equal(parsed.period, 30);
  });
});
