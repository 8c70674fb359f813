// The provider's signing keys (table oidc_signing_keys): the private JWK sealed under
// HOOKLINE_ENCRYPTION_KEY like every other secret, the public half beside it.
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface OidcKeyRow {
  kid: string;
  alg: string;
  publicJwk: Record<string, unknown>;
  privateJwkSealed: string;
  createdAt: Date;
  retiredAt: Date | null;
}

/** Serialises key creation across registry instances. */
const KEY_LOCK = 726_178;

@Injectable()
export class OidcKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  withLock<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
      return work(em);
    });
  }

  /** Keys that sign or may have signed a live token, newest first. */
  async published(em?: EntityManager): Promise<OidcKeyRow[]> {
    const rows: { kid: string; alg: string; public_jwk: Record<string, unknown>; private_jwk_sealed: string; created_at: Date; retired_at: Date | null }[] = await (
      em ?? this.dataSource.manager
    ).query('SELECT * FROM oidc_signing_keys WHERE retired_at IS NULL OR retired_at > now() ORDER BY created_at DESC');
    return rows.map((r) => ({ kid: r.kid, alg: r.alg, publicJwk: r.public_jwk, privateJwkSealed: r.private_jwk_sealed, createdAt: r.created_at, retiredAt: r.retired_at }));
  }

  async insert(em: EntityManager, k: OidcKeyRow): Promise<void> {
    await em.query('INSERT INTO oidc_signing_keys (kid, alg, public_jwk, private_jwk_sealed, created_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      k.kid,
      k.alg,
      JSON.stringify(k.publicJwk),
      k.privateJwkSealed,
      k.createdAt,
      k.retiredAt,
    ]);
  }

  /** Every other key stops signing now and leaves the published set at `until`. */
  async retireAllBut(em: EntityManager, kid: string, until: Date): Promise<void> {
    await em.query('UPDATE oidc_signing_keys SET retired_at = $2 WHERE kid <> $1 AND retired_at IS NULL', [kid, until]);
  }
}
