import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The message ids of the last changes applied to each listener record (webhook-listener's
 * apply, RECENT_CHANGES_KEPT of them): JetStream's deduplication of HOOKLINE_INGEST forgets
 * an applied change when nats-server restarts, so the apply recognises a change stored a
 * second time by its id. A constant default: no table rewrite.
 */
export class ListenerRecentChanges1765200000000 implements MigrationInterface {
  name = 'ListenerRecentChanges1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE listener_record_versions ADD COLUMN recent jsonb NOT NULL DEFAULT '[]'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE listener_record_versions DROP COLUMN recent');
  }
}
