import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Push notifications. push_settings, push_types and push_flags are owned by registry
 * (the JWT is not here: the signer holds it); the index lets the retry-scheduler find
 * waiting push notifications by tenant and age when it purges expired ones.
 */
export class PushNotifications1764500000000 implements MigrationInterface {
  name = 'PushNotifications1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE push_settings (
        tenant_id text PRIMARY KEY,
        server_url text,
        jwt_set boolean NOT NULL DEFAULT false,
        days_before integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE push_types (
        tenant_id text NOT NULL,
        type text NOT NULL,
        topic text NOT NULL,
        description text,
        example jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, type)
      )`);
    await q.query('CREATE INDEX push_types_tenant_time ON push_types (tenant_id, created_at DESC, type DESC)');
    // unit_id '*' is the global flag (no unit id can be "*").
    await q.query(`
      CREATE TABLE push_flags (
        tenant_id text NOT NULL,
        type text NOT NULL,
        unit_id text NOT NULL,
        enabled boolean NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, type, unit_id)
      )`);
    await q.query(`CREATE INDEX delivery_schedule_push_age ON delivery_schedule (tenant_id, created_at) WHERE kind = 'push'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX delivery_schedule_push_age');
    await q.query('DROP TABLE push_flags');
    await q.query('DROP TABLE push_types');
    await q.query('DROP TABLE push_settings');
  }
}
