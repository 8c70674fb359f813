import { MigrationInterface, QueryRunner } from 'typeorm';

/** Webhook receivers and each tenant's topic catalogue (owned by registry). No secrets: the signer holds them. */
export class Receivers1764400000000 implements MigrationInterface {
  name = 'Receivers1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE topics (
        tenant_id text NOT NULL,
        name text NOT NULL,
        description text,
        example jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, name)
      )`);
    await q.query(`
      CREATE TABLE receivers (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        name text NOT NULL,
        url text NOT NULL,
        topics text[] NOT NULL,
        account_id uuid NOT NULL,
        auth jsonb NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query('CREATE INDEX receivers_tenant_time ON receivers (tenant_id, created_at DESC, id DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE receivers');
    await q.query('DROP TABLE topics');
  }
}
