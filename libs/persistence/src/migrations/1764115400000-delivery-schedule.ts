import { MigrationInterface, QueryRunner } from 'typeorm';

/** The retry-scheduler's agenda: one row per delivery waiting for its next attempt. */
export class DeliverySchedule1764115400000 implements MigrationInterface {
  name = 'DeliverySchedule1764115400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE delivery_schedule (
        delivery_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        receiver_id text NOT NULL,
        kind text NOT NULL,
        attempt integer NOT NULL,
        due_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        dispatch_order jsonb NOT NULL
      )`);
    await q.query('CREATE INDEX delivery_schedule_due ON delivery_schedule (due_at)');
    await q.query('CREATE INDEX delivery_schedule_receiver ON delivery_schedule (tenant_id, receiver_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE delivery_schedule');
  }
}
