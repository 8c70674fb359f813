import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inbound webhook listeners. listener_services and listeners are owned by registry (the
 * token only as its SHA-256 digest; a signature secret lives in the signer). The tables a
 * listener writes into are not here: registry creates them in each tenant's own schema
 * (tenant_<id>) when a structure is accepted. listener_record_versions, listener_log_heads
 * and listener_logs are owned by webhook-listener: the last applied change of each record
 * (so a late redelivery cannot overwrite a newer one, and a delete leaves a tombstone),
 * and each listener's request log as a ring of its keep_logs newest entries. The signer's
 * delivery_credentials also take the inbound-hmac scheme (listeners' signature secrets).
 */
export class Listeners1764700000200 implements MigrationInterface {
  name = 'Listeners1764700000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE listener_services (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        name text NOT NULL,
        description text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query('CREATE UNIQUE INDEX listener_services_name ON listener_services (tenant_id, name)');
    await q.query('CREATE INDEX listener_services_tenant_time ON listener_services (tenant_id, created_at DESC, id DESC)');
    await q.query(`
      CREATE TABLE listeners (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        service_id uuid NOT NULL,
        name text NOT NULL,
        enabled boolean NOT NULL,
        retention_seconds integer NOT NULL,
        auth jsonb NOT NULL,
        token_digest text,
        previous_token_digest text,
        previous_token_valid_until timestamptz,
        signature jsonb,
        dedup jsonb,
        body_dedup_seconds integer NOT NULL,
        script jsonb,
        keep_logs integer NOT NULL,
        structure jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, service_id) REFERENCES listener_services (tenant_id, id)
      )`);
    await q.query('CREATE UNIQUE INDEX listeners_name ON listeners (tenant_id, name)');
    await q.query('CREATE INDEX listeners_tenant_time ON listeners (tenant_id, created_at DESC, id DESC)');
    await q.query('CREATE INDEX listeners_service ON listeners (tenant_id, service_id)');
    await q.query(`
      CREATE TABLE listener_record_versions (
        listener_id uuid NOT NULL,
        record_key text NOT NULL,
        tenant_id text NOT NULL,
        seq bigint NOT NULL,
        deleted boolean NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (listener_id, record_key)
      )`);
    await q.query('CREATE INDEX listener_record_versions_age ON listener_record_versions (listener_id, updated_at)');
    await q.query('CREATE TABLE listener_log_heads (listener_id uuid PRIMARY KEY, next_seq bigint NOT NULL)');
    await q.query(`
      CREATE TABLE listener_logs (
        listener_id uuid NOT NULL,
        slot integer NOT NULL,
        seq bigint NOT NULL,
        tenant_id text NOT NULL,
        request_id text,
        at timestamptz NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        status integer NOT NULL,
        state text NOT NULL,
        error text,
        duration_ms integer NOT NULL,
        size integer NOT NULL,
        records integer NOT NULL,
        body text,
        PRIMARY KEY (listener_id, slot)
      )`);
    await q.query('CREATE INDEX listener_logs_tenant_time ON listener_logs (tenant_id, at DESC, listener_id, seq DESC)');
    // The signer keeps listeners' signature secrets as inbound-hmac credentials.
    await q.query(`ALTER TABLE delivery_credentials DROP CONSTRAINT delivery_credentials_scheme_check,
      ADD CONSTRAINT delivery_credentials_scheme_check CHECK (scheme IN ('websub', 'standard-webhooks', 'oauth2', 'token-header', 'static-headers', 'inbound-hmac'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DELETE FROM delivery_credentials WHERE scheme = 'inbound-hmac'");
    await q.query(`ALTER TABLE delivery_credentials DROP CONSTRAINT delivery_credentials_scheme_check,
      ADD CONSTRAINT delivery_credentials_scheme_check CHECK (scheme IN ('websub', 'standard-webhooks', 'oauth2', 'token-header', 'static-headers'))`);
    await q.query('DROP TABLE listener_logs');
    await q.query('DROP TABLE listener_log_heads');
    await q.query('DROP TABLE listener_record_versions');
    await q.query('DROP TABLE listeners');
    await q.query('DROP TABLE listener_services');
  }
}
