import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants, units, users and API accounts, the signing keys of access tokens, login
 * throttling and the change outbox (all owned by registry). auth_signing_keys is read
 * by every service: the public half verifies access tokens.
 */
export class RegistryAccounts1764200000000 implements MigrationInterface {
  name = 'RegistryAccounts1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenants (
        id text PRIMARY KEY,
        name text NOT NULL,
        base_url text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX tenants_created ON tenants (created_at DESC, id DESC)`);

    // path: the ids from the root down to the unit itself, so "is X below Y" is one array test.
    await q.query(`
      CREATE TABLE units (
        tenant_id text NOT NULL REFERENCES tenants (id),
        id text NOT NULL,
        name text NOT NULL,
        parent_id text,
        path text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, parent_id) REFERENCES units (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX units_path ON units USING gin (path)`);
    await q.query(`CREATE INDEX units_tenant_created ON units (tenant_id, created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE users (
        tenant_id text NOT NULL REFERENCES tenants (id),
        id text NOT NULL,
        display_name text NOT NULL,
        all_units boolean NOT NULL DEFAULT false,
        units text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX users_units ON users USING gin (units)`);
    await q.query(`CREATE INDEX users_tenant_created ON users (tenant_id, created_at DESC, id DESC)`);

    // The API token is stored only as a scrypt hash (token_hash), found by its public
    // lookup id (token_id); the TOTP secret only sealed (AES-256-GCM, bound to the id).
    await q.query(`
      CREATE TABLE accounts (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants (id),
        name text NOT NULL,
        description text,
        enabled boolean NOT NULL DEFAULT true,
        grants jsonb NOT NULL,
        token_id text NOT NULL UNIQUE,
        token_hash text NOT NULL,
        totp_secret_sealed text NOT NULL,
        totp_last_step bigint,
        credentials_issued_at timestamptz NOT NULL,
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, name)
      )`);
    await q.query(`CREATE INDEX accounts_tenant_created ON accounts (tenant_id, created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE auth_signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL,
        public_jwk jsonb NOT NULL,
        private_key_sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      )`);

    await q.query(`
      CREATE TABLE login_throttle (
        key text PRIMARY KEY,
        failures integer NOT NULL,
        window_started_at timestamptz NOT NULL,
        blocked_until timestamptz
      )`);

    // Written in the same transaction as the change it describes; the relay publishes
    // rows in seq order with Nats-Msg-Id = id and then sets published_at.
    await q.query(`
      CREATE TABLE registry_outbox (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        tenant_id text NOT NULL,
        subject text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await q.query(`CREATE INDEX registry_outbox_pending ON registry_outbox (seq) WHERE published_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['registry_outbox', 'login_throttle', 'auth_signing_keys', 'accounts', 'users', 'units', 'tenants']) await q.query(`DROP TABLE ${t}`);
  }
}
