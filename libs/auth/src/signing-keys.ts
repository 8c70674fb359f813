// The table behind the published key set. The registry writes it (the private half
// sealed under HOOKLINE_ENCRYPTION_KEY); every service reads the public half from it to
// verify access tokens, so no service depends on the registry being up to authenticate.
import type { DataSource } from 'typeorm';
import type { PublicJwk, PublicKeySource } from './access-token';

export const SIGNING_KEYS_TABLE = 'auth_signing_keys';

/** Keys that may have signed a live token: not retired, or retired only recently. */
export class DatabasePublicKeySource implements PublicKeySource {
  constructor(private readonly dataSource: DataSource) {}

  async load(): Promise<PublicJwk[]> {
    const rows: { public_jwk: PublicJwk }[] = await this.dataSource.query(
      `SELECT public_jwk FROM ${SIGNING_KEYS_TABLE} WHERE retired_at IS NULL OR retired_at > now() ORDER BY created_at DESC`,
    );
    return rows.map((r) => r.public_jwk);
  }
}
