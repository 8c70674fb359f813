import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * audit-log: for a delivery whose status is "scheduled", the attempt it waits for. A
 * "scheduled" fact delivered again after that attempt has been recorded is then
 * recognised as stale and does not move the delivery back from its final state.
 */
export class DeliveryStatusAttempt1764600000000 implements MigrationInterface {
  name = 'DeliveryStatusAttempt1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE deliveries ADD COLUMN status_attempt integer');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE deliveries DROP COLUMN status_attempt');
  }
}
