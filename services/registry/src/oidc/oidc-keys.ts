// The provider's RS256 keys: made when there is none or the newest is older than
// HOOKLINE_OIDC_KEY_ROTATION, the private half sealed at rest; a replaced key stops
// signing at once and stays in the published JWKS while tokens it signed may live.
// Every registry instance reads the same table, so all sign with the same key.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { open, seal } from '@hookline/auth';
import type { OidcKeyRow, OidcKeysRepository } from './oidc-keys.repository';

export const OIDC_KEY_ALG = 'RS256';

const aad = (kid: string) => `oidc-signing-key:${kid}`;

export interface KeySet {
  /** Private JWKs, the signing one first: what oidc-provider's `jwks` takes. */
  privateJwks: Record<string, unknown>[];
  /** Public JWKs, as published at the provider's jwks_uri. */
  publicJwks: Record<string, unknown>[];
  /** Changes whenever a key is added or leaves the set. */
  fingerprint: string;
  /** When the signing key was made. */
  signingSince: number;
}

export function newKeyRow(encryptionKey: Buffer, now = new Date()): OidcKeyRow {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const priv: Record<string, unknown> = { ...(privateKey.export({ format: 'jwk' }) as Record<string, unknown>), kid, alg: OIDC_KEY_ALG, use: 'sig' };
  const pub = { kty: priv.kty, n: priv.n, e: priv.e, kid, alg: OIDC_KEY_ALG, use: 'sig' };
  return { kid, alg: OIDC_KEY_ALG, publicJwk: pub, privateJwkSealed: seal(encryptionKey, JSON.stringify(priv), aad(kid)), createdAt: now, retiredAt: null };
}

export function keySetOf(rows: readonly OidcKeyRow[], encryptionKey: Buffer): KeySet {
  // Newest first; the key that signs is the newest not retired.
  const signing = rows.find((r) => r.retiredAt === null) ?? rows[0];
  const ordered = signing ? [signing, ...rows.filter((r) => r !== signing)] : [];
  return {
    privateJwks: ordered.map((r) => JSON.parse(open(encryptionKey, r.privateJwkSealed, aad(r.kid)).toString('utf8')) as Record<string, unknown>),
    publicJwks: ordered.map((r) => ({ ...r.publicJwk })),
    fingerprint: ordered.map((r) => `${r.kid}:${r.retiredAt ? 'r' : 's'}`).join(','),
    signingSince: signing ? signing.createdAt.getTime() : 0,
  };
}

/**
 * The published keys, after making a new signing key when there is none or it is older
 * than rotationMs (the old one then stays published for keepPublishedMs).
 */
export async function ensureFreshKeys(repo: OidcKeysRepository, opts: { encryptionKey: Buffer; rotationMs: number; keepPublishedMs: number; now?: Date }): Promise<{ rows: OidcKeyRow[]; rotated: boolean }> {
  const now = opts.now ?? new Date();
  const fresh = (rows: OidcKeyRow[]) => {
    const signing = rows.find((r) => r.retiredAt === null);
    return !!signing && now.getTime() - signing.createdAt.getTime() < opts.rotationMs;
  };
  const rows = await repo.published();
  if (fresh(rows)) return { rows, rotated: false };
  return repo.withLock(async (em) => {
    const again = await repo.published(em);
    if (fresh(again)) return { rows: again, rotated: false };
    const key = newKeyRow(opts.encryptionKey, now);
    await repo.insert(em, key);
    await repo.retireAllBut(em, key.kid, new Date(now.getTime() + opts.keepPublishedMs));
    return { rows: await repo.published(em), rotated: true };
  });
}
