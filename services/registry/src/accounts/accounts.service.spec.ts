import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import { base32Encode, SealedBoxError, verifyApiSecret } from '@hookline/auth';
import { ForbiddenError } from '@hookline/http';
import type { Principal } from '@hookline/auth';
import { ACCOUNT_NAME_CONSTRAINT, isUniqueViolation } from './accounts.repository';
import { AccountsService, toGrants } from './accounts.service';
import { issueCredentials, openTotpSecret } from './credentials';

describe('account credentials', () => {
  const key = randomBytes(32);

  it('are shown once as a token and a TOTP secret, and stored only as a hash and a sealed secret', async () => {
    const { issued, stored } = await issueCredentials(key, { id: 'acc-1', tenantId: 'acme', name: 'robot' });
    assert.match(issued.token, /^hlk_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    assert.ok(issued.token.startsWith(`hlk_${stored.tokenId}.`), 'the token carries its lookup id');
    assert.equal(await verifyApiSecret(issued.token.split('.')[1], stored.tokenHash), true);
    for (const v of Object.values(stored)) {
      assert.ok(!v.includes(issued.token.split('.')[1]), 'the token secret is not stored');
      assert.ok(!v.includes(issued.totp.secret), 'the TOTP secret is not stored in clear');
    }
    const secret = openTotpSecret(key, { id: 'acc-1', totpSecretSealed: stored.totpSecretSealed });
    assert.equal(base32Encode(secret), issued.totp.secret);
    assert.throws(() => openTotpSecret(key, { id: 'acc-2', totpSecretSealed: stored.totpSecretSealed }), SealedBoxError);
    const uri = OTPAuth.URI.parse(issued.totp.otpauthUri) as OTPAuth.TOTP;
    assert.equal(uri.label, 'acme/robot');
    assert.equal(uri.secret.base32, issued.totp.secret);
  });

  it('differ every time', async () => {
    const a = await issueCredentials(key, { id: 'x', tenantId: 't', name: 'n' });
    const b = await issueCredentials(key, { id: 'x', tenantId: 't', name: 'n' });
    assert.notEqual(a.issued.token, b.issued.token);
    assert.notEqual(a.issued.totp.secret, b.issued.totp.secret);
  });
});

describe('toGrants', () => {
  it('defaults topics to "*" and normalises', () => {
    assert.deepEqual(toGrants([{ actions: ['units:read', 'events:publish', 'units:read'], units: ['b', 'a'] }]), [{ actions: ['events:publish', 'units:read'], units: ['a', 'b'], topics: '*' }]);
  });
});

describe('AccountsService', () => {
  const account: Principal = { kind: 'account', tenantId: 'acme', accountId: 'a', grants: [{ actions: ['accounts:read'], units: '*', topics: '*' }], tokenId: 'j', issuedAt: 0, expiresAt: 0 };
  const service = new AccountsService({} as never, {} as never, {} as never, {} as never, { encryptionKey: randomBytes(32) } as never);
  it('creating needs accounts:write', async () => {
    await assert.rejects(service.create(account, { name: 'x', grants: [] }), ForbiddenError);
  });
  it('another tenant is a 404, before anything else', async () => {
    await assert.rejects(service.get(account, 'globex', 'x'), (e: unknown) => (e as { status: number }).status === 404);
  });
});

describe('isUniqueViolation', () => {
  it('knows the name index refusing a rename, as TypeORM hands it on, and nothing else', () => {
    const pg = { code: '23505', constraint: ACCOUNT_NAME_CONSTRAINT };
    assert.equal(isUniqueViolation(Object.assign(new Error('duplicate key'), pg), ACCOUNT_NAME_CONSTRAINT), true);
    assert.equal(isUniqueViolation(Object.assign(new Error('query failed'), { driverError: pg }), ACCOUNT_NAME_CONSTRAINT), true);
    assert.equal(isUniqueViolation(Object.assign(new Error('duplicate key'), { ...pg, constraint: 'accounts_token_id_key' }), ACCOUNT_NAME_CONSTRAINT), false);
    assert.equal(isUniqueViolation(Object.assign(new Error('deadlock'), { code: '40P01' }), ACCOUNT_NAME_CONSTRAINT), false);
    assert.equal(isUniqueViolation(undefined, ACCOUNT_NAME_CONSTRAINT), false);
  });
});
