import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { AccessTokenVerifier, generateSigningKeyPair, signAccessToken, type Principal } from '@hookline/auth';
import { Authenticated, AuthGuard, matchesDigest, OperatorOnly, Public, Requires, safeEqual, secretDigest } from './auth';
import { ForbiddenError, UnauthorizedError } from './problems';
import { tenantScope } from './authorization';

const OPERATOR_TOKEN = 'op-token-op-token-op-token';
const key = generateSigningKeyPair();
const verifier = new AccessTokenVerifier({ load: async () => [key.publicJwk] });

class Routes {
  @Public() health() {
    return 'health';
  }
  plain() {
    return 'plain';
  }
  @Requires('units:read') units() {
    return 'units';
  }
  @Requires('units:read', 'users:write') both() {
    return 'both';
  }
  @Authenticated() me() {
    return 'me';
  }
  @OperatorOnly() @Requires('units:read') tenants() {
    return 'tenants';
  }
}

function ctx(handler: keyof Routes, authorization?: string) {
  const req: { headers: Record<string, string>; principal?: Principal } = { headers: authorization ? { authorization } : {} };
  const c = {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext;
  return { c, req };
}

async function token(actions: string[]) {
  const t = await signAccessToken({ tenantId: 'acme', grants: [{ actions, units: '*', topics: '*' }], account: { id: 'a-1' } }, key, { ttlSeconds: 60 });
  return `Bearer ${t.token}`;
}

describe('AuthGuard', () => {
  const guard = new AuthGuard(new Reflector(), OPERATOR_TOKEN, verifier);

  it('lets anyone reach a public route', async () => assert.equal(await guard.canActivate(ctx('health').c), true));
  it('401s without credentials or with a wrong one', async () => {
    await assert.rejects(guard.canActivate(ctx('units').c), UnauthorizedError);
    await assert.rejects(guard.canActivate(ctx('units', 'Bearer nope').c), UnauthorizedError);
    await assert.rejects(guard.canActivate(ctx('units', 'Basic abc').c), UnauthorizedError);
  });
  it('the operator token passes everywhere', async () => {
    for (const h of ['plain', 'units', 'both', 'me', 'tenants'] as const) {
      const { c, req } = ctx(h, `Bearer ${OPERATOR_TOKEN}`);
      assert.equal(await guard.canActivate(c), true);
      assert.deepEqual(req.principal, { kind: 'operator' });
    }
  });
  it('a token that only starts like the operator token, or differs in one character, is refused', async () => {
    for (const t of [OPERATOR_TOKEN.slice(0, -1), `${OPERATOR_TOKEN}x`, `x${OPERATOR_TOKEN.slice(1)}`, OPERATOR_TOKEN.toUpperCase()]) {
      await assert.rejects(guard.canActivate(ctx('units', `Bearer ${t}`).c), UnauthorizedError, t);
    }
  });
  it('an access token passes where its grants name every required action', async () => {
    const { c, req } = ctx('units', await token(['units:write']));
    assert.equal(await guard.canActivate(c), true);
    assert.equal(req.principal?.kind, 'account');
    await assert.rejects(guard.canActivate(ctx('both', await token(['units:read'])).c), /users:write/);
    assert.equal(await guard.canActivate(ctx('me', await token([])).c), true);
  });
  it('fails closed: a route that does not name actions is operator-only', async () => {
    await assert.rejects(guard.canActivate(ctx('plain', await token(['units:read'])).c), ForbiddenError);
    await assert.rejects(guard.canActivate(ctx('tenants', await token(['units:read'])).c), ForbiddenError);
  });
  it('without a verifier only the operator token works', async () => {
    const operatorOnly = new AuthGuard(new Reflector(), OPERATOR_TOKEN);
    await assert.rejects(operatorOnly.canActivate(ctx('units', await token(['units:read'])).c), UnauthorizedError);
  });
  it('asks the refresher, which may reject', async () => {
    const refusing = new AuthGuard(new Reflector(), OPERATOR_TOKEN, verifier, { refresh: async () => undefined });
    await assert.rejects(refusing.canActivate(ctx('units', await token(['units:read'])).c), UnauthorizedError);
  });
});

describe('tenantScope', () => {
  const account: Principal = { kind: 'account', tenantId: 'acme', accountId: 'a', grants: [], tokenId: 'j', issuedAt: 0, expiresAt: 0 };
  it('the operator must name a tenant', () => {
    assert.equal(tenantScope({ kind: 'operator' }, 'x'), 'x');
    assert.throws(() => tenantScope({ kind: 'operator' }, undefined), /tenant is required/);
  });
  it('an account acts in its own tenant; naming another is a 404', () => {
    assert.equal(tenantScope(account, undefined), 'acme');
    assert.equal(tenantScope(account, 'acme'), 'acme');
    assert.throws(() => tenantScope(account, 'globex'), (e: unknown) => (e as { status: number }).status === 404);
  });
});

describe('secret comparison', () => {
  it('matches a string against its digest made up front, and nothing else', () => {
    const digest = secretDigest('s3cret');
    assert.equal(matchesDigest('s3cret', digest), true);
    for (const other of ['s3cre', 's3crett', 'S3cret', '', 's3cret\u0000']) assert.equal(matchesDigest(other, digest), false, JSON.stringify(other));
  });
  it('safeEqual compares two strings of any lengths', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('abc', 'abcd'), false);
    assert.equal(safeEqual('', ''), true);
  });
});
