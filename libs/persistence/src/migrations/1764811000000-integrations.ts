import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Custom integrations (table integrations, owned by registry): no secret here, the signer
 * holds the verification salt and the static header values. The signer's
 * delivery_credentials accepts any scheme name its published schema allows (the scheme
 * list lives in @hookline/contracts and the signer checks every request against it), so a
 * new scheme such as verification-hash needs no migration of its own. The delivery log
 * (audit-log) gets an index for the integration log, which is its integration rows.
 */
export class Integrations1764811000000 implements MigrationInterface {
  name = 'Integrations1764811000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE integrations (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        name text NOT NULL,
        page text NOT NULL,
        action text NOT NULL,
        method text NOT NULL,
        url text NOT NULL,
        parameter_name text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        verification_hash boolean NOT NULL DEFAULT false,
        verification_salt_set boolean NOT NULL DEFAULT false,
        header_names text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query('CREATE INDEX integrations_tenant_time ON integrations (tenant_id, created_at DESC, id DESC)');
    await q.query('CREATE INDEX integrations_tenant_page ON integrations (tenant_id, page)');
    await q.query('ALTER TABLE delivery_credentials DROP CONSTRAINT IF EXISTS delivery_credentials_scheme_check');
    await q.query(`ALTER TABLE delivery_credentials ADD CONSTRAINT delivery_credentials_scheme_check CHECK (scheme ~ '^[a-z][a-z0-9-]{0,31}$')`);
    await q.query(`CREATE INDEX deliveries_integration_time ON deliveries (tenant_id, created_at DESC, id DESC) WHERE kind = 'integration'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX deliveries_integration_time');
    await q.query('ALTER TABLE delivery_credentials DROP CONSTRAINT IF EXISTS delivery_credentials_scheme_check');
    await q.query(`ALTER TABLE delivery_credentials ADD CONSTRAINT delivery_credentials_scheme_check CHECK (scheme IN ('websub', 'standard-webhooks', 'oauth2', 'token-header', 'static-headers', 'body-secret'))`);
    await q.query('DROP TABLE integrations');
  }
}
