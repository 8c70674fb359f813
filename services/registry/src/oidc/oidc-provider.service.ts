// The OAuth 2.0 / OpenID Connect provider of app installations: oidc-provider (panva),
// the certified implementation, mounted at /oidc in the registry. The registry owns
// installations, tenants, units and users, which the provider consults on every
// authorization and token, and it already holds HOOKLINE_ENCRYPTION_KEY for the store;
// a service of its own would need all of these over the network. What is ours: the
// PostgreSQL adapter (oidc-store.ts), the keys (oidc-keys.ts), the access-token claims
// (tenant, installation, departments), how the host application vouches for its user
// (sign-ins.service.ts) and the introspection of JWT access tokens.
//
// oidc-provider 9 is ESM-only; the registry runs as CommonJS, so it is loaded with a
// dynamic import (Node >= 20.19 loads ESM from require as well). Its 9.x line lists Node
// 22 and later as supported; on Node 20 it works (the end-to-end tests run it) and warns once.
import { hkdfSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider' with { 'resolution-mode': 'import' };
import { CONFIG } from '@hookline/config';
import { LOGGER, Logger } from '@hookline/observability';
import type { RegistryConfig } from '../config';
import { departmentsForUser } from '../installations/installation-rules';
import { InstallationsRepository } from '../installations/installations.repository';
import { UnitsRepository } from '../units/units.repository';
import { userUnits, UsersRepository } from '../users/users.repository';
import { ensureFreshKeys, keySetOf, type KeySet } from './oidc-keys';
import { OidcKeysRepository } from './oidc-keys.repository';
import { OidcStore } from './oidc-store';
import { issuerOf, OIDC_MOUNT, providerUrls } from './provider-urls';

const loadOidc = () => import('oidc-provider');
type OidcModule = Awaited<ReturnType<typeof loadOidc>>;
export type OidcProvider = InstanceType<OidcModule['Provider']>;

/** Scopes oidc-provider handles itself; every other scope of a template belongs to the host application's API. */
const OIDC_SCOPES = new Set(['openid', 'offline_access']);

@Injectable()
export class OidcProviderService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly issuer: string;
  readonly urls: ReturnType<typeof providerUrls>;
  /**
   * The provider, built on first use (the first request under /oidc or sign-in) and again
   * when the keys change: until then oidc-provider (and koa, jose) is not even loaded, about
   * 5 MB of heap an idle registry does not hold.
   */
  private provider?: Promise<OidcProvider>;
  private keys?: KeySet;
  private timer?: NodeJS.Timeout;
  private ready?: Promise<void>;

  constructor(
    @Inject(CONFIG) private readonly config: RegistryConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly store: OidcStore,
    private readonly keyRepo: OidcKeysRepository,
    private readonly installations: InstallationsRepository,
    private readonly users: UsersRepository,
    private readonly units: UnitsRepository,
  ) {
    this.issuer = issuerOf(config);
    this.urls = providerUrls(this.issuer);
  }

  onApplicationBootstrap(): Promise<void> {
    this.ready = this.refresh();
    // Checks for a due rotation (or a key another instance made) and drops expired rows.
    const every = Math.min(60_000, Math.max(1000, Math.floor(this.config.oidcKeyRotationMs / 10)));
    this.timer = setInterval(() => void this.refresh().catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'oidc key refresh failed; will retry')), every);
    this.timer.unref();
    return this.ready;
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The provider as built from the current keys. */
  async current(): Promise<OidcProvider> {
    await this.ready;
    if (!this.keys) await this.refresh();
    const keys = this.keys;
    if (!keys) throw new Error('the OpenID provider is not ready');
    this.provider ??= this.buildOnce(keys);
    return this.provider;
  }

  /** Public keys that may verify a live access token (the provider's JWKS). */
  async publicJwks(): Promise<Record<string, unknown>[]> {
    await this.ready;
    return this.keys?.publicJwks ?? [];
  }

  /** Serves a request under /oidc (the Nest middleware hands it over). */
  async handle(req: IncomingMessage & { originalUrl?: string }, res: ServerResponse): Promise<void> {
    const provider = await this.current();
    const url = req.originalUrl ?? req.url ?? '/';
    // oidc-provider routes relative to where it is mounted, as express's app.use(path) would hand it.
    req.url = url.slice(OIDC_MOUNT.length) || '/';
    await provider.callback()(req, res);
  }

  private async refresh(): Promise<void> {
    const { rows, rotated } = await ensureFreshKeys(this.keyRepo, {
      encryptionKey: this.config.encryptionKey,
      rotationMs: this.config.oidcKeyRotationMs,
      // An ID token lives an hour; an access token oidcAccessTokenTtlMs.
      keepPublishedMs: Math.max(this.config.oidcAccessTokenTtlMs, 3_600_000) + 3_600_000,
    });
    if (rotated) this.logger.info({ kid: rows[0]?.kid }, 'new OpenID provider signing key');
    const keys = keySetOf(rows, this.config.encryptionKey);
    if (this.keys?.fingerprint === keys.fingerprint) return;
    // A provider in use is built again with the new keys now (if that fails, keys and
    // provider stay as they were and the next refresh tries again); one never used waits
    // for its first use.
    if (this.provider) {
      const next = this.buildOnce(keys);
      await next;
      this.provider = next;
    }
    this.keys = keys;
    const purged = await this.store.purgeExpired(new Date(Date.now() - 86_400_000));
    if (purged > 0) this.logger.info({ rows: purged }, 'purged expired OpenID provider rows');
  }

  /** build(), forgotten when it fails so that the next use tries again. */
  private buildOnce(keys: KeySet): Promise<OidcProvider> {
    const built = this.build(keys);
    built.catch(() => {
      if (this.provider === built) this.provider = undefined;
    });
    return built;
  }

  private async build(keys: KeySet): Promise<OidcProvider> {
    const mod = await loadOidc();
    const { Provider, interactionPolicy, errors } = mod;
    const audience = this.config.oidcAudience;
    const ttl = Math.floor(this.config.oidcAccessTokenTtlMs / 1000);
    const policy = interactionPolicy.base();
    // No single sign-on across apps: the host application vouches for its user at every
    // authorization (POST /v1/sign-ins), so a person never carries a session from one
    // tenant's app into another's.
    policy.get('login')?.checks.add(new interactionPolicy.Check('host_vouches', 'the host application vouches for the person at every authorization', (ctx) => !ctx.oidc.result?.login));

    const configuration: Configuration = {
      adapter: this.store.adapterClass() as unknown as Configuration['adapter'],
      clients: [],
      jwks: { keys: keys.privateJwks as never },
      // Signs the provider's cookies; derived from the platform key, so every instance agrees.
      cookies: { keys: [Buffer.from(hkdfSync('sha256', this.config.encryptionKey, Buffer.alloc(0), 'hookline-oidc-cookies', 32)).toString('base64url')] },
      // Asked at every authorization, refresh and userinfo call: a user the tenant has
      // deleted (or of no installation) is nobody, so their refresh token is refused
      // (invalid_grant) instead of minting access tokens for a person who no longer exists.
      findAccount: async (ctx, sub) => {
        const inst = ctx.oidc.client ? await this.installations.findByClientId(ctx.oidc.client.clientId) : null;
        const user = inst ? await this.users.find(inst.tenantId, sub) : null;
        if (!user) return undefined;
        return { accountId: sub, claims: () => ({ sub, name: user.displayName }) };
      },
      claims: { openid: ['sub'], profile: ['name'] },
      scopes: ['openid', 'offline_access'],
      responseTypes: ['code'],
      pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        // Access tokens are JWTs, which oidc-provider does not introspect: POST /oidc/token/introspection is ours.
        introspection: { enabled: false },
        revocation: { enabled: true },
        userinfo: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => audience,
          useGrantedResource: () => true,
          getResourceServerInfo: async (_ctx, resource, client) => {
            if (resource !== audience) throw new errors.InvalidTarget(`the only resource is ${audience}`);
            const scope = (await this.scopesOf(client.clientId)).filter((s) => !OIDC_SCOPES.has(s)).join(' ');
            return { scope, audience, accessTokenTTL: ttl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
          },
        },
      },
      interactions: { url: (_ctx, interaction) => `${this.issuer}/interaction/${interaction.uid}`, policy },
      // The tenant consented when it installed the app: no consent screen per person.
      loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
        const client = ctx.oidc.client;
        const session = ctx.oidc.session;
        if (!client || !session?.accountId) return undefined;
        const grantId = (ctx.oidc.result?.consent as { grantId?: string } | undefined)?.grantId ?? session.grantIdFor(client.clientId);
        if (grantId) {
          const found = await ctx.oidc.provider.Grant.find(grantId);
          if (found) return found;
        }
        const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
        const scopes = await this.scopesOf(client.clientId);
        const oidcScopes = scopes.filter((s) => OIDC_SCOPES.has(s));
        if (oidcScopes.length > 0) {
          grant.addOIDCScope(oidcScopes.join(' '));
          grant.addOIDCClaims(['sub', 'name']);
        }
        grant.addResourceScope(audience, scopes.filter((s) => !OIDC_SCOPES.has(s)).join(' '));
        await grant.save();
        return grant;
      },
      extraTokenClaims: async (_ctx, token) => (token.clientId ? this.tokenClaims(token.clientId, 'accountId' in token ? (token.accountId as string | undefined) : undefined) : {}),
      ttl: {
        AccessToken: ttl,
        ClientCredentials: ttl,
        AuthorizationCode: 60,
        IdToken: 3600,
        Interaction: 600,
        Session: 600,
        Grant: 14 * 86_400,
        RefreshToken: 14 * 86_400,
      },
      discovery: { introspection_endpoint: this.urls.introspectionUrl, introspection_endpoint_auth_methods_supported: ['bearer'] } as never,
      renderError: (ctx, out) => {
        ctx.type = 'application/json';
        ctx.body = out;
      },
    };
    const provider = new Provider(this.issuer, configuration);
    // Behind the gateway or the ingress: X-Forwarded-Proto says whether the client used https.
    provider.proxy = true;
    provider.on('server_error', (_ctx: unknown, err: Error) => this.logger.error({ err: err.message }, 'OpenID provider error'));
    return provider;
  }

  /** The scopes of an installation's template, as installed. */
  private async scopesOf(clientId: string): Promise<string[]> {
    return (await this.installations.findByClientId(clientId))?.oauth.scopes ?? [];
  }

  /**
   * What an installation's access token says beyond OAuth: the tenant (and its number),
   * the installation, and its departments (for a signed-in person, only those the person
   * may see). The host application's API decides with these what the token may read.
   */
  async tokenClaims(clientId: string, userId?: string): Promise<Record<string, unknown>> {
    const inst = await this.installations.findByClientId(clientId);
    if (!inst || inst.status !== 'active') return {};
    let units = inst.departments;
    if (userId) {
      const user = await this.users.find(inst.tenantId, userId);
      const visible = user ? userUnits(user) : [];
      const paths = await this.units.paths(inst.tenantId, units);
      units = departmentsForUser(units, visible, (u) => paths.get(u));
    }
    const numbers = await this.installations.departments(inst.tenantId, units);
    return {
      tenant: inst.tenantId,
      provet_id: (await this.installations.provetId(inst.tenantId)) ?? 0,
      installation: inst.id,
      departments: units.flatMap((u) => {
        const d = numbers.get(u);
        return d ? [d.id] : [];
      }),
      units,
    };
  }
}
