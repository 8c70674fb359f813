import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * delivery_credentials, owned by signer: every version of every delivery secret,
 * AES-256-GCM sealed under HOOKLINE_ENCRYPTION_KEY and bound to its row's
 * tenant/credential/version. A superseded version keeps signing until valid_until.
 */
export class DeliveryCredentials1764300000000 implements MigrationInterface {
  name = 'DeliveryCredentials1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE delivery_credentials (
        tenant_id text NOT NULL,
        credential_id text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        scheme text NOT NULL CHECK (scheme IN ('websub', 'standard-webhooks', 'oauth2', 'token-header', 'static-headers')),
        params jsonb NOT NULL,
        sealed_secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        valid_until timestamptz,
        idempotency_key text,
        PRIMARY KEY (tenant_id, credential_id, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE delivery_credentials');
  }
}
