import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DUMMY_SECRET_HASH, generateApiToken, hashApiSecret, parseApiToken, verifyApiSecret } from './api-token';

describe('API tokens', () => {
  it('carry a lookup id and a secret, and parse back', () => {
    const t = generateApiToken();
    assert.match(t.token, /^hlk_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(parseApiToken(t.token), { tokenId: t.tokenId, secret: t.secret });
    assert.notEqual(generateApiToken().token, t.token);
  });

  for (const bad of ['', 'hlk_', 'hlk_0123456789abcdef', 'hlk_0123456789abcdef.short', 'xyz_0123456789abcdef.' + 'a'.repeat(43), 'hlk_0123456789ABCDEF.' + 'a'.repeat(43)]) {
    it(`rejects ${JSON.stringify(bad.slice(0, 30))}`, () => assert.equal(parseApiToken(bad), undefined));
  }

  it('hashes with scrypt and a fresh salt, and verifies only the right secret', async () => {
    const { secret } = generateApiToken();
    const a = await hashApiSecret(secret);
    const b = await hashApiSecret(secret);
    assert.match(a, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b, 'salted');
    assert.ok(!a.includes(secret));
    assert.equal(await verifyApiSecret(secret, a), true);
    assert.equal(await verifyApiSecret(secret, b), true);
    assert.equal(await verifyApiSecret(secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A'), a), false);
    assert.equal(await verifyApiSecret(secret, 'garbage'), false);
  });

  it('is slow on purpose', async () => {
    const started = process.hrtime.bigint();
    await hashApiSecret('x');
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 > 5, 'a hash takes at least a few milliseconds');
  });

  it('the dummy hash verifies nothing', async () => assert.equal(await verifyApiSecret(generateApiToken().secret, DUMMY_SECRET_HASH), false));
});
