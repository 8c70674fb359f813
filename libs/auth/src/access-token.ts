// Access tokens: short-lived JWTs (EdDSA over Ed25519, header typ "at+jwt") issued by
// the registry at login and by token exchange. The grants travel inside, so every
// service can authorise a request from the token alone after checking its signature
// against the published public keys.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Grant } from '@hookline/contracts';
import { isAction, isTopicPattern, normalizeGrants } from './grants';
import type { TenantPrincipal } from './principal';

export const ACCESS_TOKEN_ISSUER = 'hookline';
export const ACCESS_TOKEN_AUDIENCE = 'hookline-api';
export const ACCESS_TOKEN_ALG = 'EdDSA';
export const ACCESS_TOKEN_TYPE = 'at+jwt';

// jose is ESM-only; Node >= 20.19 loads it from CommonJS, and a dynamic import keeps
// the type checker (module node16) content.
const loadJose = () => import('jose');
type Jose = Awaited<ReturnType<typeof loadJose>>;
let josePromise: Promise<Jose> | undefined;
export function jose(): Promise<Jose> {
  josePromise ??= loadJose();
  return josePromise;
}

/** A public key as published at /.well-known/jwks.json. */
export interface PublicJwk {
  kty: string;
  crv?: string;
  x?: string;
  kid: string;
  alg: string;
  use: 'sig';
}

export interface SigningKeyPair {
  kid: string;
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  publicJwk: PublicJwk;
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string };
  const kid = randomUUID();
  return {
    kid,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, alg: ACCESS_TOKEN_ALG, use: 'sig' },
  };
}

/** What the token says about its bearer. */
export interface AccessTokenSubject {
  tenantId: string;
  grants: Grant[];
  account: { id: string; name?: string };
  /** Present when the account acts as this user (RFC 8693 impersonation: sub = user, act = account). */
  user?: { id: string; name?: string };
  /** When the account's current credentials were issued (ms): a reset ends the token, however soon after it was issued. */
  credentialsIssuedAt?: number;
}

export interface IssuedAccessToken {
  token: string;
  tokenId: string;
  issuedAt: number;
  expiresAt: number;
}

export async function signAccessToken(
  subject: AccessTokenSubject,
  key: { kid: string; privateKeyPem: string },
  opts: { ttlSeconds: number; nowMs?: number },
): Promise<IssuedAccessToken> {
  const { SignJWT, importPKCS8 } = await jose();
  const privateKey = await importPKCS8(key.privateKeyPem, ACCESS_TOKEN_ALG);
  const issuedAt = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  const expiresAt = issuedAt + opts.ttlSeconds;
  const tokenId = randomUUID();
  const claims: Record<string, unknown> = { tid: subject.tenantId, grants: subject.grants };
  if (subject.credentialsIssuedAt !== undefined) claims.cia = subject.credentialsIssuedAt;
  if (subject.user) {
    if (subject.user.name) claims.name = subject.user.name;
    claims.act = { sub: subject.account.id, ...(subject.account.name ? { name: subject.account.name } : {}) };
  } else if (subject.account.name) {
    claims.name = subject.account.name;
  }
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
    .setIssuer(ACCESS_TOKEN_ISSUER)
    .setAudience(ACCESS_TOKEN_AUDIENCE)
    .setSubject(subject.user ? subject.user.id : subject.account.id)
    .setJti(tokenId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(privateKey);
  return { token, tokenId, issuedAt, expiresAt };
}

function parseGrants(raw: unknown): Grant[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out: Grant[] = [];
  for (const g of raw) {
    if (!g || typeof g !== 'object') return undefined;
    const { actions, units, topics } = g as Record<string, unknown>;
    if (!Array.isArray(actions) || !actions.every((a) => typeof a === 'string' && isAction(a))) return undefined;
    if (units !== '*' && !(Array.isArray(units) && units.every((u) => typeof u === 'string'))) return undefined;
    if (topics !== '*' && !(Array.isArray(topics) && topics.every((t) => typeof t === 'string' && isTopicPattern(t)))) return undefined;
    out.push({ actions: actions as string[], units: units as Grant['units'], topics: topics as Grant['topics'] });
  }
  return normalizeGrants(out);
}

/** Turns verified claims into a principal; undefined when they are not the shape this platform issues. */
export function principalFromClaims(payload: Record<string, unknown>): TenantPrincipal | undefined {
  const { sub, tid, jti, iat, exp, name, act, cia } = payload;
  if (typeof sub !== 'string' || typeof tid !== 'string' || typeof jti !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') return undefined;
  if (cia !== undefined && !Number.isSafeInteger(cia)) return undefined;
  const grants = parseGrants(payload.grants);
  if (!grants) return undefined;
  const facts = { tokenId: jti, issuedAt: iat, expiresAt: exp, ...(typeof cia === 'number' ? { credentialsIssuedAt: cia } : {}) };
  if (act === undefined) {
    return { kind: 'account', tenantId: tid, accountId: sub, ...(typeof name === 'string' ? { accountName: name } : {}), grants, ...facts };
  }
  if (!act || typeof act !== 'object') return undefined;
  const a = act as Record<string, unknown>;
  if (typeof a.sub !== 'string' || 'act' in a) return undefined; // one level of delegation only
  return {
    kind: 'user',
    tenantId: tid,
    userId: sub,
    ...(typeof name === 'string' ? { userName: name } : {}),
    accountId: a.sub,
    ...(typeof a.name === 'string' ? { accountName: a.name } : {}),
    grants,
    ...facts,
  };
}

/** Where a verifier gets the public keys that may have signed a token. */
export interface PublicKeySource {
  load(): Promise<PublicJwk[]>;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function looksLikeJwt(token: string): boolean {
  return token.length < 16_384 && JWT_SHAPE.test(token);
}

/**
 * Verifies access tokens against the key source, caching the keys: they are reloaded
 * every few minutes, and at once (at most every couple of seconds) when a token names
 * a key id not seen yet, so a new signing key is picked up without a restart.
 */
export class AccessTokenVerifier {
  private keys = new Map<string, Promise<unknown>>();
  private loadedAt = 0;
  private loading?: Promise<void>;

  constructor(
    private readonly source: PublicKeySource,
    private readonly opts: { maxAgeMs?: number; minRefreshMs?: number; clockToleranceSeconds?: number } = {},
  ) {}

  async verify(token: string): Promise<TenantPrincipal | undefined> {
    if (!looksLikeJwt(token)) return undefined;
    const { jwtVerify } = await jose();
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid ? await this.key(header.kid) : undefined;
          if (!key) throw new Error('unknown signing key');
          return key as never;
        },
        {
          issuer: ACCESS_TOKEN_ISSUER,
          audience: ACCESS_TOKEN_AUDIENCE,
          algorithms: [ACCESS_TOKEN_ALG],
          typ: ACCESS_TOKEN_TYPE,
          clockTolerance: this.opts.clockToleranceSeconds ?? 5,
          requiredClaims: ['sub', 'jti', 'iat', 'exp'],
        },
      );
      return principalFromClaims(payload as Record<string, unknown>);
    } catch {
      return undefined;
    }
  }

  private async key(kid: string): Promise<unknown> {
    const age = Date.now() - this.loadedAt;
    if (age > (this.opts.maxAgeMs ?? 300_000) || (!this.keys.has(kid) && age > (this.opts.minRefreshMs ?? 2000))) await this.refresh();
    return this.keys.get(kid);
  }

  private refresh(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const { importJWK } = await jose();
        const jwks = await this.source.load();
        this.keys = new Map(jwks.map((k) => [k.kid, importJWK({ ...k }, ACCESS_TOKEN_ALG).catch(() => undefined)]));
        this.loadedAt = Date.now();
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}
