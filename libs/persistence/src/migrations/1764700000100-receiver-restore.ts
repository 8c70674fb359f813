import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A deleted receiver can be restored with its secret for a while (the restore window):
 * its credential stays sealed in the signer until then, and `secret_destroyed_at` says
 * when it was destroyed for good. Receivers deleted before this version lost their
 * secret at deletion. Owned by registry.
 */
export class ReceiverRestore1764700000100 implements MigrationInterface {
  name = 'ReceiverRestore1764700000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE receivers ADD COLUMN secret_destroyed_at timestamptz');
    await q.query('UPDATE receivers SET secret_destroyed_at = deleted_at WHERE deleted_at IS NOT NULL');
    await q.query('CREATE INDEX receivers_deleted_unpurged ON receivers (deleted_at) WHERE deleted_at IS NOT NULL AND secret_destroyed_at IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX receivers_deleted_unpurged');
    await q.query('ALTER TABLE receivers DROP COLUMN secret_destroyed_at');
  }
}
