import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { base32Decode, hotp, totpStep } from '@hookline/auth';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '@hookline/http';
import { createLogger } from '@hookline/observability';
import { issueCredentials } from '../accounts/credentials';
import type { Account } from '../accounts/entities/account.entity';
import { AuthService, LoginInput } from './auth.service';
import { forgiveFailure, reserveAttempt, retryAfterSeconds, ThrottlePolicy, ThrottleState } from './login-throttle';

const quiet = createLogger({ service: 'test', version: '0', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const key = randomBytes(32);

async function setup(opts: { enabled?: boolean; tenantBaseUrl?: string | null; publicUrl?: string } = {}) {
  const id = '01900000-0000-7000-8000-000000000001';
  const creds = await issueCredentials(key, { id, tenantId: 'acme', name: 'robot' });
  const now = new Date();
  const row: Account = {
    id,
    tenantId: 'acme',
    name: 'robot',
    description: null,
    enabled: opts.enabled ?? true,
    grants: [],
    ...creds.stored,
    totpLastStep: null,
    credentialsIssuedAt: now,
    lastLoginAt: null,
    createdAt: now,
    updatedAt: now,
  };
  const throttle = new Map<string, ThrottleState>();
  const recorded: string[] = [];
  const service = new AuthService(
    {
      findByTokenId: async (tokenId: string) => (tokenId === row.tokenId ? { ...row } : null),
      consumeTotpStep: async (_em: unknown, _t: string, _id: string, _tokenId: string, step: number) => {
        if (row.totpLastStep !== null && Number(row.totpLastStep) >= step) return false;
        row.totpLastStep = String(step);
        return true;
      },
    } as never,
    {} as never,
    {} as never,
    { find: async () => ({ id: 'acme', baseUrl: opts.tenantBaseUrl ?? null }) } as never,
    {
      reserve: async (keys: { key: string; policy: ThrottlePolicy }[], at: number) => {
        const r = reserveAttempt(keys.map((k) => throttle.get(k.key)), at, keys.map((k) => k.policy));
        r.next.forEach((next, i) => throttle.set(keys[i].key, next));
        return r.wait;
      },
      forgive: async (k: string, policy: ThrottlePolicy) => {
        const next = forgiveFailure(throttle.get(k), policy);
        if (next) throttle.set(k, next);
      },
      clear: async (k: string) => void throttle.delete(k),
      purge: async () => undefined,
    } as never,
    { issue: async () => ({ token: 'jwt', tokenId: 'jti', issuedAt: 1, expiresAt: Math.floor(Date.now() / 1000) + 900 }) } as never,
    { transaction: async (work: (tx: unknown) => unknown) => work({ em: {}, now: new Date(), record: async (c: { action: string }) => void recorded.push(c.action) }) } as never,
    {} as never,
    {} as never,
    { encryptionKey: key, accessTokenTtlMs: 900_000, loginMaxFailures: 3, loginMaxFailuresPerIp: 100, loginBlockMs: 60_000, publicUrl: opts.publicUrl } as never,
    quiet,
    {} as never,
  );
  const secret = base32Decode(creds.issued.totp.secret);
  const code = (offset = 0) => hotp(secret, totpStep(Date.now()) + offset);
  const input = (over: Partial<LoginInput> = {}): LoginInput => ({ account: id, token: creds.issued.token, totp: code(), clientIp: '10.0.0.1', requestBaseUrl: 'http://api.local', ...over });
  return { service, input, code, throttle, recorded, row, token: creds.issued.token };
}

describe('AuthService.login', () => {
  it('answers a token, and the base URL: the tenant’s, else the configured one, else the request’s', async () => {
    const a = await setup();
    const res = await a.service.login(a.input());
    assert.equal(res.accessToken, 'jwt');
    assert.equal(res.baseUrl, 'http://api.local');
    assert.deepEqual(a.recorded, ['login']);
    const b = await setup({ publicUrl: 'https://api.example.com' });
    assert.equal((await b.service.login(b.input())).baseUrl, 'https://api.example.com');
    const c = await setup({ publicUrl: 'https://api.example.com', tenantBaseUrl: 'https://acme.example.com' });
    assert.equal((await c.service.login(c.input())).baseUrl, 'https://acme.example.com');
  });

  it('says the same whatever was wrong', async () => {
    const s = await setup();
    const messages: string[] = [];
    const fail = async (over: Partial<LoginInput>) => {
      try {
        await s.service.login(s.input(over));
        assert.fail('expected 401');
      } catch (err) {
        assert.ok(err instanceof UnauthorizedError, String(err));
        messages.push(err.message);
      }
    };
    await fail({ token: s.token.slice(0, -1) + (s.token.endsWith('A') ? 'B' : 'A') });
    await fail({ account: '01900000-0000-7000-8000-000000000002' });
    await fail({ totp: s.code(5) });
    assert.equal(new Set(messages).size, 1);
  });

  it('never accepts a code twice, even two logins racing with it', async () => {
    const s = await setup();
    const code = s.code();
    const results = await Promise.allSettled([s.service.login(s.input({ totp: code })), s.service.login(s.input({ totp: code }))]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    await assert.rejects(s.service.login(s.input({ totp: code })), UnauthorizedError);
    assert.ok(await s.service.login(s.input({ totp: s.code(1) })), 'the next step still works');
  });

  it('throttles an account after repeated failures, even with the right code then', async () => {
    const s = await setup();
    for (let i = 0; i < 3; i++) await assert.rejects(s.service.login(s.input({ totp: s.code(9) })), UnauthorizedError);
    await assert.rejects(s.service.login(s.input()), (e: unknown) => e instanceof TooManyRequestsError && e.retryAfterSeconds > 0);
    assert.ok(retryAfterSeconds(s.throttle.get(`account:${s.row.id}`), Date.now()) > 0);
  });

  it('a success clears the account’s failures', async () => {
    const s = await setup();
    await assert.rejects(s.service.login(s.input({ totp: s.code(9) })), UnauthorizedError);
    await s.service.login(s.input());
    assert.equal(s.throttle.has(`account:${s.row.id}`), false);
    assert.equal(s.throttle.get('ip:10.0.0.1')?.failures, 1, 'the address keeps its count of failures, without the success');
  });

  it('counts concurrent failures before any of them is checked', async () => {
    const s = await setup();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => s.service.login(s.input({ totp: s.code(9) }))));
    const reasons = results.map((r) => (r.status === 'rejected' ? (r.reason as Error).constructor.name : 'fulfilled'));
    assert.equal(reasons.filter((r) => r === 'UnauthorizedError').length, 3, reasons.join());
    assert.equal(reasons.filter((r) => r === 'TooManyRequestsError').length, 5, reasons.join());
  });

  it('a disabled account with the right credentials is told so', async () => {
    const s = await setup({ enabled: false });
    await assert.rejects(s.service.login(s.input()), ForbiddenError);
  });
});
