import { MigrationInterface, QueryRunner } from 'typeorm';

/** The webhook log (owned by audit-log): one row per delivery, one per attempt. */
export class Deliveries1764115300000 implements MigrationInterface {
  name = 'Deliveries1764115300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        kind text NOT NULL,
        event_id uuid,
        topic text,
        receiver_id text,
        receiver_name text,
        url text,
        unit text,
        body text,
        status text NOT NULL DEFAULT 'pending',
        status_seq bigint NOT NULL DEFAULT 0,
        status_reason text,
        next_attempt_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        last_status_code integer,
        last_error_class text,
        last_attempt_at timestamptz,
        last_attempt_seq bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX deliveries_tenant_time ON deliveries (tenant_id, created_at DESC, id DESC)');
    await q.query('CREATE INDEX deliveries_tenant_receiver_time ON deliveries (tenant_id, receiver_id, created_at DESC, id DESC)');
    await q.query('CREATE INDEX deliveries_tenant_topic_time ON deliveries (tenant_id, topic, created_at DESC, id DESC)');
    await q.query('CREATE INDEX deliveries_tenant_status_time ON deliveries (tenant_id, status, created_at DESC, id DESC)');
    await q.query(`
      CREATE TABLE delivery_attempts (
        delivery_id uuid NOT NULL,
        attempt integer NOT NULL,
        tenant_id text NOT NULL,
        at timestamptz NOT NULL,
        ok boolean NOT NULL,
        duration_ms integer NOT NULL,
        status_code integer,
        error_class text,
        error text,
        request_headers jsonb NOT NULL,
        response_body text,
        response_truncated boolean NOT NULL DEFAULT false,
        manual boolean NOT NULL DEFAULT false,
        PRIMARY KEY (delivery_id, attempt)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE delivery_attempts');
    await q.query('DROP TABLE deliveries');
  }
}
