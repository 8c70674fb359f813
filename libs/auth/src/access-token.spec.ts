import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { AccessTokenVerifier, generateSigningKeyPair, jose, looksLikeJwt, principalFromClaims, signAccessToken, type PublicJwk } from './access-token';

const grants = [{ actions: ['events:publish'], units: ['u-1'], topics: ['Accounts.*'] }];

function verifierFor(...keys: PublicJwk[]) {
  let loads = 0;
  const list = [...keys];
  const v = new AccessTokenVerifier({ load: async () => (loads++, list) }, { minRefreshMs: 0 });
  return { v, list, loads: () => loads };
}

describe('access tokens', () => {
  const key = generateSigningKeyPair();

  it('an account token round-trips into an account principal', async () => {
    const t = await signAccessToken({ tenantId: 'acme', grants, account: { id: 'a-1', name: 'robot' } }, key, { ttlSeconds: 60 });
    assert.ok(looksLikeJwt(t.token));
    const p = await verifierFor(key.publicJwk).v.verify(t.token);
    assert.deepEqual(p, { kind: 'account', tenantId: 'acme', accountId: 'a-1', accountName: 'robot', grants, tokenId: t.tokenId, issuedAt: t.issuedAt, expiresAt: t.expiresAt });
  });

  it('an impersonation token carries sub = user and act = account', async () => {
    const t = await signAccessToken({ tenantId: 'acme', grants, account: { id: 'a-1', name: 'robot' }, user: { id: 'u-7', name: 'Bob' } }, key, { ttlSeconds: 60 });
    const { decodeJwt, decodeProtectedHeader } = await jose();
    const claims = decodeJwt(t.token);
    assert.equal(claims.sub, 'u-7');
    assert.deepEqual(claims.act, { sub: 'a-1', name: 'robot' });
    assert.equal(decodeProtectedHeader(t.token).typ, 'at+jwt');
    const p = await verifierFor(key.publicJwk).v.verify(t.token);
    assert.equal(p?.kind, 'user');
    assert.equal(p?.kind === 'user' && p.accountId, 'a-1');
  });

  it('rejects an expired token, a foreign key, a tampered token and garbage', async () => {
    const { v } = verifierFor(key.publicJwk);
    const expired = await signAccessToken({ tenantId: 't', grants, account: { id: 'a' } }, key, { ttlSeconds: 60, nowMs: Date.now() - 3_600_000 });
    assert.equal(await v.verify(expired.token), undefined);
    const other = generateSigningKeyPair();
    const foreign = await signAccessToken({ tenantId: 't', grants, account: { id: 'a' } }, { ...other, kid: key.kid }, { ttlSeconds: 60 });
    assert.equal(await v.verify(foreign.token), undefined);
    const good = await signAccessToken({ tenantId: 't', grants, account: { id: 'a' } }, key, { ttlSeconds: 60 });
    const [h, , s] = good.token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(good.token.split('.')[1], 'base64url').toString()), tid: 'other' })).toString('base64url');
    assert.equal(await v.verify(`${h}.${forged}.${s}`), undefined);
    assert.equal(await v.verify('not-a-jwt'), undefined);
  });

  it('rejects an unsigned or HMAC token that names the key', async () => {
    const { SignJWT, UnsecuredJWT } = await jose();
    const { v } = verifierFor(key.publicJwk);
    const claims = { tid: 't', grants, sub: 'a', jti: 'j', iss: 'hookline', aud: 'hookline-api' };
    const none = new UnsecuredJWT(claims).setIssuedAt().setExpirationTime('1m').encode();
    assert.equal(await v.verify(none), undefined);
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' }).setIssuedAt().setExpirationTime('1m').sign(Buffer.from(key.publicJwk.x ?? ''));
    assert.equal(await v.verify(hs), undefined);
  });

  it('picks up a new signing key without a restart', async () => {
    const { v, list, loads } = verifierFor(key.publicJwk);
    const first = await signAccessToken({ tenantId: 't', grants, account: { id: 'a' } }, key, { ttlSeconds: 60 });
    assert.ok(await v.verify(first.token));
    const next = generateSigningKeyPair();
    list.push(next.publicJwk);
    const second = await signAccessToken({ tenantId: 't', grants, account: { id: 'a' } }, next, { ttlSeconds: 60 });
    assert.ok(await v.verify(second.token));
    assert.equal(loads(), 2);
  });

  it('a token names the credentials it came from, to the millisecond', async () => {
    const t = await signAccessToken({ tenantId: 'acme', grants, account: { id: 'a-1' }, credentialsIssuedAt: 1_765_000_000_123 }, key, { ttlSeconds: 60 });
    const p = await verifierFor(key.publicJwk).v.verify(t.token);
    assert.equal(p?.credentialsIssuedAt, 1_765_000_000_123);
    const { decodeJwt } = await jose();
    assert.equal(decodeJwt(t.token).cia, 1_765_000_000_123);
  });

  it('principalFromClaims refuses shapes it did not issue', () => {
    const base = { sub: 'a', tid: 't', jti: 'j', iat: 1, exp: 2, grants };
    assert.ok(principalFromClaims(base));
    assert.equal(principalFromClaims({ ...base, grants: [{ actions: ['root:everything'], units: '*', topics: '*' }] }), undefined);
    assert.equal(principalFromClaims({ ...base, grants: 'all' }), undefined);
    assert.equal(principalFromClaims({ ...base, act: { sub: 'x', act: { sub: 'y' } } }), undefined);
    assert.equal(principalFromClaims({ ...base, tid: 5 }), undefined);
    assert.equal(principalFromClaims({ ...base, cia: '1765000000123' }), undefined);
    assert.equal(principalFromClaims({ ...base, cia: 1.5 }), undefined);
    assert.equal(principalFromClaims(base)?.credentialsIssuedAt, undefined, 'a token from before the claim existed');
  });

  it('the signing key is Ed25519', () => {
    assert.equal(key.publicJwk.crv, 'Ed25519');
    assert.equal(key.publicJwk.alg, 'EdDSA');
    assert.ok(generateKeyPairSync); // node:crypto made it
  });
});
