import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditEvents1764115200000 implements MigrationInterface {
  name = 'AuditEvents1764115200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        topic text NOT NULL,
        object_type text NOT NULL,
        object_id text NOT NULL,
        object_unit text,
        data jsonb NOT NULL,
        published_by text NOT NULL,
        idempotency_key text,
        received_at timestamptz NOT NULL,
        stream_seq bigint NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX audit_events_tenant_time ON audit_events (tenant_id, received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_events_tenant_topic_time ON audit_events (tenant_id, topic, received_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_events');
  }
}
