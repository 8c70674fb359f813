import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * App installations (installation-hookup.txt): the template catalogue, installations,
 * and the OAuth 2.0 / OpenID Connect provider's store (its models, sealed, and its
 * signing keys, sealed). Every tenant gets a stable number (provet_id) and every unit one
 * (the hookup message's department ids), given by the database to existing rows too.
 * The outbox may carry a message whose Nats-Msg-Id is not its row id (a delivery's
 * "created" fact committed with the write that made it). All owned by registry.
 */
export class AppInstallations1764800000000 implements MigrationInterface {
  name = 'AppInstallations1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE SEQUENCE tenants_provet_id_seq');
    await q.query(`ALTER TABLE tenants ADD COLUMN provet_id integer NOT NULL DEFAULT nextval('tenants_provet_id_seq')`);
    await q.query('ALTER SEQUENCE tenants_provet_id_seq OWNED BY tenants.provet_id');
    await q.query('CREATE UNIQUE INDEX tenants_provet_id ON tenants (provet_id)');
    await q.query('CREATE SEQUENCE units_department_id_seq');
    await q.query(`ALTER TABLE units ADD COLUMN department_id integer NOT NULL DEFAULT nextval('units_department_id_seq')`);
    await q.query('ALTER SEQUENCE units_department_id_seq OWNED BY units.department_id');
    await q.query('CREATE UNIQUE INDEX units_department_id ON units (department_id)');

    await q.query('ALTER TABLE registry_outbox ADD COLUMN msg_id text');

    // The signer (owner of delivery_credentials) holds installations' client secrets as body-secret credentials.
    const [{ name }] = (await q.query(
      `SELECT conname AS name FROM pg_constraint WHERE conrelid = 'delivery_credentials'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%scheme%'`,
    )) as { name: string }[];
    await q.query(`ALTER TABLE delivery_credentials DROP CONSTRAINT "${name}"`);
    await q.query(
      `ALTER TABLE delivery_credentials ADD CONSTRAINT delivery_credentials_scheme_check CHECK (scheme IN ('websub', 'standard-webhooks', 'oauth2', 'token-header', 'static-headers', 'body-secret'))`,
    );

    await q.query(`
      CREATE TABLE app_templates (
        id uuid PRIMARY KEY,
        owner_tenant text,
        name text NOT NULL,
        description text,
        channel jsonb NOT NULL,
        oauth jsonb NOT NULL,
        version integer NOT NULL,
        retired_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX app_templates_owner_time ON app_templates (owner_tenant, created_at DESC, id DESC)');
    await q.query(`
      CREATE TABLE app_installations (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        template_id uuid NOT NULL REFERENCES app_templates (id),
        template_version integer NOT NULL,
        template_name text NOT NULL,
        template_owner text NOT NULL,
        oauth jsonb NOT NULL,
        channel jsonb NOT NULL,
        departments text[] NOT NULL DEFAULT '{}',
        status text NOT NULL,
        secret_version integer NOT NULL,
        notifications integer NOT NULL DEFAULT 0,
        uninstalled_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`);
    // The provider knows a token's client only: its id is the installation id.
    await q.query('CREATE UNIQUE INDEX app_installations_id ON app_installations (id)');
    await q.query('CREATE INDEX app_installations_tenant_time ON app_installations (tenant_id, created_at DESC, id DESC)');

    // oidc-provider's models (clients, grants, codes, sessions, interactions, ...): the id
    // only as a SHA-256 (a code or a session cookie is a credential), the payload sealed.
    await q.query(`
      CREATE TABLE oidc_payloads (
        model text NOT NULL,
        id_hash text NOT NULL,
        payload_sealed text NOT NULL,
        client_id text,
        grant_id text,
        uid text,
        expires_at timestamptz,
        consumed_at timestamptz,
        PRIMARY KEY (model, id_hash)
      )`);
    await q.query('CREATE INDEX oidc_payloads_grant ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL');
    await q.query('CREATE INDEX oidc_payloads_client ON oidc_payloads (client_id) WHERE client_id IS NOT NULL');
    await q.query('CREATE INDEX oidc_payloads_uid ON oidc_payloads (model, uid) WHERE uid IS NOT NULL');
    await q.query('CREATE INDEX oidc_payloads_expires ON oidc_payloads (expires_at) WHERE expires_at IS NOT NULL');
    await q.query(`
      CREATE TABLE oidc_signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL,
        public_jwk jsonb NOT NULL,
        private_jwk_sealed text NOT NULL,
        created_at timestamptz NOT NULL,
        retired_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE oidc_signing_keys');
    await q.query('DROP TABLE oidc_payloads');
    await q.query('DROP TABLE app_installations');
    await q.query('DROP TABLE app_templates');
    await q.query('ALTER TABLE registry_outbox DROP COLUMN msg_id');
    await q.query(`DELETE FROM delivery_credentials WHERE scheme = 'body-secret'`);
    await q.query('ALTER TABLE delivery_credentials DROP CONSTRAINT delivery_credentials_scheme_check');
    await q.query(
      `ALTER TABLE delivery_credentials ADD CONSTRAINT delivery_credentials_scheme_check CHECK (scheme IN ('websub', 'standard-webhooks', 'oauth2', 'token-header', 'static-headers'))`,
    );
    await q.query('ALTER TABLE units DROP COLUMN department_id');
    await q.query('ALTER TABLE tenants DROP COLUMN provet_id');
  }
}
