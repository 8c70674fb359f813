import { Inject, Injectable } from '@nestjs/common';
import {
  ACCESS_TOKEN_VERIFIER,
  AccessTokenVerifier,
  DatabasePublicKeySource,
  DUMMY_SECRET_HASH,
  holdsAction,
  impersonationGrants,
  parseApiToken,
  PRINCIPAL_REFRESHER,
  unitsNamed,
  verifyApiSecret,
  verifyTotp,
  type Grant,
  type Principal,
  type PrincipalRefresher,
  type PublicJwk,
} from '@hookline/auth';
import { CONFIG } from '@hookline/config';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '@hookline/http';
import { LOGGER, Logger } from '@hookline/observability';
import { DataSource } from 'typeorm';
import { AccountsRepository } from '../accounts/accounts.repository';
import { openTotpSecret } from '../accounts/credentials';
import type { RegistryConfig } from '../config';
import { ChangeLog } from '../outbox/change-log';
import { TenantsRepository } from '../tenants/tenants.repository';
import { UnitsRepository } from '../units/units.repository';
import { coversUser } from '../users/users.service';
import { userUnits, UsersRepository } from '../users/users.repository';
import { LoginThrottleRepository } from './login-throttle.repository';
import { ThrottlePolicy, WINDOW_MS } from './login-throttle';
import { OAuthError } from './oauth-error';
import { TOKEN_TYPE_ACCESS_TOKEN, TokenExchangeRequest } from './token-exchange';
import { TokenIssuer } from './token-issuer';

export interface LoginInput {
  account: string;
  token: string;
  totp: string;
  /** The caller's address, for throttling. */
  clientIp: string;
  /** The base URL the request came in on: the answer when neither the tenant nor the configuration names one. */
  requestBaseUrl: string;
}

export interface LoginResult {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  expiresAt: string;
  /** The base URL the account must use for its API calls. */
  baseUrl: string;
  account: { id: string; tenant: string; name: string };
}

export interface TokenExchangeResult {
  access_token: string;
  issued_token_type: string;
  token_type: 'Bearer';
  expires_in: number;
}

export interface WhoAmI {
  kind: Principal['kind'];
  tenant?: string;
  account?: { id: string; name?: string };
  user?: { id: string; name?: string };
  grants?: Grant[];
  expiresAt?: string;
}

/** The same words whatever was wrong, so a failed login says nothing about which part was. */
const LOGIN_FAILED = 'the account, token or code is not valid';

@Injectable()
export class AuthService {
  private readonly accountPolicy: ThrottlePolicy;
  private readonly ipPolicy: ThrottlePolicy;
  private readonly keySource: DatabasePublicKeySource;
  private lastPurge = 0;

  constructor(
    private readonly accounts: AccountsRepository,
    private readonly users: UsersRepository,
    private readonly units: UnitsRepository,
    private readonly tenants: TenantsRepository,
    private readonly throttle: LoginThrottleRepository,
    private readonly issuer: TokenIssuer,
    private readonly changes: ChangeLog,
    @Inject(ACCESS_TOKEN_VERIFIER) private readonly verifier: AccessTokenVerifier,
    @Inject(PRINCIPAL_REFRESHER) private readonly refresher: PrincipalRefresher,
    @Inject(CONFIG) private readonly config: RegistryConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    dataSource: DataSource,
  ) {
    const block = { windowMs: WINDOW_MS, blockMs: config.loginBlockMs, maxBlockMs: Math.max(config.loginBlockMs, WINDOW_MS) };
    this.accountPolicy = { ...block, maxFailures: config.loginMaxFailures };
    this.ipPolicy = { ...block, maxFailures: config.loginMaxFailuresPerIp };
    this.keySource = new DatabasePublicKeySource(dataSource);
  }

  /** API token + TOTP code in, a short-lived access token and the base URL to use out. */
  async login(input: LoginInput): Promise<LoginResult> {
    const now = Date.now();
    const keys = [
      { key: `account:${input.account}`, policy: this.accountPolicy },
      { key: `ip:${input.clientIp}`, policy: this.ipPolicy },
    ];
    // Counted as a failure before the check (and forgiven below when the credentials were
    // right), so a burst of concurrent guesses cannot all pass a check that none has counted.
    const wait = await this.throttle.reserve(keys, now);
    if (wait > 0) {
      this.logger.warn({ accountId: input.account, clientIp: input.clientIp, retryAfter: wait }, 'login throttled');
      throw new TooManyRequestsError(wait);
    }

    const parsed = parseApiToken(input.token);
    const found = parsed ? await this.accounts.findByTokenId(parsed.tokenId) : null;
    const account = found && found.id === input.account ? found : null;
    // A miss costs one scrypt too, so timing does not tell a wrong account from a wrong token.
    const tokenOk = (await verifyApiSecret(parsed?.secret ?? '', account?.tokenHash ?? DUMMY_SECRET_HASH)) && !!account;
    let step: number | undefined;
    let why = tokenOk ? 'wrong code' : 'wrong account or token';
    if (tokenOk && account) {
      const check = verifyTotp(openTotpSecret(this.config.encryptionKey, account), input.totp, {
        nowMs: now,
        lastUsedStep: account.totpLastStep === null ? null : Number(account.totpLastStep),
      });
      if (check.ok) step = check.step;
      else if (check.reason === 'replayed') why = 'code already used';
    }
    if (!account || step === undefined) return this.failLogin(now, input, why);
    if (!account.enabled) {
      await this.forgive(keys, now);
      throw new ForbiddenError('this account is disabled');
    }

    const tenant = await this.tenants.find(account.tenantId);
    const ttlSeconds = Math.floor(this.config.accessTokenTtlMs / 1000);
    const issued = await this.issuer.issue(
      { tenantId: account.tenantId, grants: account.grants, account: { id: account.id, name: account.name }, credentialsIssuedAt: account.credentialsIssuedAt.getTime() },
      ttlSeconds,
    );
    const consumed = await this.changes.transaction(async (tx) => {
      // Only while the credentials checked are still the account's: a login racing a reset loses.
      if (!(await this.accounts.consumeTotpStep(tx.em, account.tenantId, account.id, account.tokenId, step, tx.now))) return false;
      await tx.record({
        tenantId: account.tenantId,
        entity: 'account',
        entityId: account.id,
        action: 'login',
        actor: { kind: 'account', accountId: account.id, accountName: account.name },
        before: null,
        after: null,
        detail: { jti: issued.tokenId, expiresAt: new Date(issued.expiresAt * 1000).toISOString(), clientIp: input.clientIp },
      });
      return true;
    });
    // Another login with the same code won the race: this one is a replay.
    if (!consumed) return this.failLogin(now, input, 'code already used');
    await this.forgive(keys, now);
    this.logger.info({ accountId: account.id, tenant: account.tenantId, jti: issued.tokenId }, 'account logged in');
    return {
      accessToken: issued.token,
      tokenType: 'Bearer',
      expiresIn: issued.expiresAt - Math.floor(Date.now() / 1000),
      expiresAt: new Date(issued.expiresAt * 1000).toISOString(),
      baseUrl: tenant?.baseUrl ?? this.config.publicUrl ?? input.requestBaseUrl,
      account: { id: account.id, tenant: account.tenantId, name: account.name },
    };
  }

  /** Right credentials: the account's failures are cleared, and the address's count loses this attempt. */
  private async forgive(keys: { key: string; policy: ThrottlePolicy }[], now: number): Promise<void> {
    const [accountKey, ipKey] = keys;
    await this.throttle.clear(accountKey.key);
    await this.throttle.forgive(ipKey.key, ipKey.policy, now);
  }

  /** The attempt was counted as a failure when it began (`reserve`). */
  private async failLogin(now: number, input: LoginInput, why: string): Promise<never> {
    this.logger.warn({ accountId: input.account, clientIp: input.clientIp, reason: why }, 'login failed');
    if (now - this.lastPurge > 3_600_000) {
      this.lastPurge = now;
      await this.throttle.purge(new Date(now - 24 * 3_600_000)).catch(() => undefined);
    }
    throw new UnauthorizedError(LOGIN_FAILED);
  }

  /**
   * RFC 8693 impersonation: the account behind subject_token, holding users:impersonate
   * over every unit the user may see, gets a token acting as the user. Its grants are
   * the account's limited to the user's units; its lifetime ends no later than the
   * subject token's.
   */
  async exchange(req: TokenExchangeRequest): Promise<TokenExchangeResult> {
    const verified = await this.verifier.verify(req.subjectToken);
    const p = verified ? await this.refresher.refresh(verified) : undefined;
    if (!p || p.kind === 'operator') throw new OAuthError('invalid_request', 'subject_token is not a valid access token');
    if (p.kind === 'user') throw new OAuthError('invalid_request', 'subject_token already acts as a user; exchange the account’s own token');
    if (!holdsAction(p.grants, 'users:impersonate')) throw new OAuthError('unauthorized_client', 'the account does not hold the users:impersonate permission');
    const user = await this.users.find(p.tenantId, req.requestedSubject);
    if (!user) throw new OAuthError('invalid_request', `requested_subject: user ${req.requestedSubject} does not exist`);
    const paths = await this.units.paths(p.tenantId, [...unitsNamed(p.grants), ...user.units]);
    if (!coversUser(p, 'users:impersonate', userUnits(user), paths, 'all')) {
      throw new OAuthError('unauthorized_client', `users:impersonate does not cover every unit user ${user.id} may see`);
    }
    const grants = impersonationGrants(p.grants, userUnits(user), (u) => paths.get(u));
    const now = Math.floor(Date.now() / 1000);
    const ttlSeconds = Math.max(1, Math.min(Math.floor(this.config.accessTokenTtlMs / 1000), p.expiresAt - now));
    const issued = await this.issuer.issue(
      {
        tenantId: p.tenantId,
        grants,
        account: { id: p.accountId, name: p.accountName },
        user: { id: user.id, name: user.displayName },
        ...(p.credentialsIssuedAt !== undefined ? { credentialsIssuedAt: p.credentialsIssuedAt } : {}),
      },
      ttlSeconds,
    );
    await this.changes.transaction(async (tx) => {
      await tx.record({
        tenantId: p.tenantId,
        entity: 'user',
        entityId: user.id,
        action: 'impersonated',
        actor: { kind: 'account', accountId: p.accountId, ...(p.accountName ? { accountName: p.accountName } : {}) },
        before: null,
        after: null,
        detail: { jti: issued.tokenId, expiresAt: new Date(issued.expiresAt * 1000).toISOString(), grants },
      });
    });
    this.logger.info({ accountId: p.accountId, userId: user.id, tenant: p.tenantId, jti: issued.tokenId }, 'account acts as user');
    return { access_token: issued.token, issued_token_type: TOKEN_TYPE_ACCESS_TOKEN, token_type: 'Bearer', expires_in: issued.expiresAt - now };
  }

  async jwks(): Promise<{ keys: PublicJwk[] }> {
    return { keys: await this.keySource.load() };
  }

  whoAmI(p: Principal): WhoAmI {
    if (p.kind === 'operator') return { kind: 'operator' };
    const base = { tenant: p.tenantId, account: { id: p.accountId, name: p.accountName }, grants: p.grants, expiresAt: new Date(p.expiresAt * 1000).toISOString() };
    return p.kind === 'account' ? { kind: 'account', ...base } : { kind: 'user', ...base, user: { id: p.userId, name: p.userName } };
  }
}

