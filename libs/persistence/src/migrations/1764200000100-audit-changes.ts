import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The registry change history (owned by audit-log): one row per change event, and the
 * unit tree projected from the same events, for filtering logs by unit.
 */
export class AuditChanges1764200000100 implements MigrationInterface {
  name = 'AuditChanges1764200000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_changes (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        entity text NOT NULL,
        entity_id text NOT NULL,
        action text NOT NULL,
        actor jsonb NOT NULL,
        actor_kind text NOT NULL,
        actor_account_id text,
        actor_user_id text,
        at timestamptz NOT NULL,
        before jsonb,
        after jsonb,
        detail jsonb,
        stream_seq bigint NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX audit_changes_tenant_time ON audit_changes (tenant_id, at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_changes_entity_time ON audit_changes (tenant_id, entity, entity_id, at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_changes_account_time ON audit_changes (tenant_id, actor_account_id, at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_changes_user_time ON audit_changes (tenant_id, actor_user_id, at DESC, id DESC)`);

    // Deleted units stay as tombstones so that a late, older event cannot bring them back.
    await q.query(`
      CREATE TABLE audit_units (
        tenant_id text NOT NULL,
        id text NOT NULL,
        path text[] NOT NULL,
        deleted boolean NOT NULL DEFAULT false,
        stream_seq bigint NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX audit_units_path ON audit_units USING gin (path)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_units');
    await q.query('DROP TABLE audit_changes');
  }
}
