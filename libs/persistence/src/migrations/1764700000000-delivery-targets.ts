import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every delivery kind names its target the same way: `target_id` (a receiver id, a push
 * notification type, ...) instead of `receiver_id` with push types as "push:<type>";
 * orders waiting in the agenda are rewritten in the new shape (target, source). The log
 * keeps what each attempt really sent (method, URL, the body when it differs from the
 * payload, response headers) and a delivery's context (who triggered it, and so on).
 * Owned by audit-log (deliveries, delivery_attempts) and retry-scheduler (delivery_schedule).
 */
export class DeliveryTargets1764700000000 implements MigrationInterface {
  name = 'DeliveryTargets1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE delivery_schedule RENAME COLUMN receiver_id TO target_id');
    await q.query(`UPDATE delivery_schedule SET target_id = substr(target_id, 6) WHERE kind = 'push' AND target_id LIKE 'push:%'`);
    await q.query(`
      UPDATE delivery_schedule SET dispatch_order =
        (dispatch_order - 'receiverId' - 'eventId' - 'topic')
        || jsonb_build_object('target', target_id)
        || CASE WHEN dispatch_order ? 'eventId' AND dispatch_order ? 'topic'
                THEN jsonb_build_object('source', jsonb_build_object('eventId', dispatch_order->'eventId', 'topic', dispatch_order->'topic'))
                ELSE '{}'::jsonb END
      WHERE dispatch_order ? 'receiverId'`);
    await q.query('DROP INDEX delivery_schedule_receiver');
    await q.query('CREATE INDEX delivery_schedule_target ON delivery_schedule (tenant_id, kind, target_id)');

    await q.query('ALTER TABLE deliveries RENAME COLUMN receiver_id TO target_id');
    await q.query('ALTER TABLE deliveries RENAME COLUMN receiver_name TO target_name');
    await q.query(`UPDATE deliveries SET target_id = substr(target_id, 6) WHERE kind = 'push' AND target_id LIKE 'push:%'`);
    await q.query('ALTER TABLE deliveries ADD COLUMN context jsonb');
    await q.query('ALTER INDEX deliveries_tenant_receiver_time RENAME TO deliveries_tenant_target_time');
    await q.query('CREATE INDEX deliveries_tenant_kind_time ON deliveries (tenant_id, kind, created_at DESC, id DESC)');

    await q.query('ALTER TABLE delivery_attempts ADD COLUMN method text, ADD COLUMN url text, ADD COLUMN request_body text, ADD COLUMN response_headers jsonb');

    // Bulk resends (owned by audit-log): paced, resumable after a restart.
    await q.query(`
      CREATE TABLE delivery_bulk_resends (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        requested_by jsonb NOT NULL,
        filter jsonb NOT NULL,
        status text NOT NULL,
        total integer NOT NULL,
        sent integer NOT NULL DEFAULT 0,
        skipped integer NOT NULL DEFAULT 0,
        cursor_at timestamptz,
        cursor_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        -- The audit-log instance working on it holds it until then.
        lease_until timestamptz
      )`);
    await q.query('CREATE INDEX delivery_bulk_resends_running ON delivery_bulk_resends (status) WHERE status = \'running\'');
    await q.query('CREATE INDEX delivery_bulk_resends_tenant ON delivery_bulk_resends (tenant_id, created_at DESC, id DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE delivery_bulk_resends');
    await q.query('ALTER TABLE delivery_attempts DROP COLUMN method, DROP COLUMN url, DROP COLUMN request_body, DROP COLUMN response_headers');
    await q.query('DROP INDEX deliveries_tenant_kind_time');
    await q.query('ALTER INDEX deliveries_tenant_target_time RENAME TO deliveries_tenant_receiver_time');
    await q.query('ALTER TABLE deliveries DROP COLUMN context');
    await q.query(`UPDATE deliveries SET target_id = 'push:' || target_id WHERE kind = 'push'`);
    await q.query('ALTER TABLE deliveries RENAME COLUMN target_name TO receiver_name');
    await q.query('ALTER TABLE deliveries RENAME COLUMN target_id TO receiver_id');
    await q.query('DROP INDEX delivery_schedule_target');
    await q.query(`UPDATE delivery_schedule SET target_id = 'push:' || target_id WHERE kind = 'push'`);
    await q.query('ALTER TABLE delivery_schedule RENAME COLUMN target_id TO receiver_id');
    await q.query('CREATE INDEX delivery_schedule_receiver ON delivery_schedule (tenant_id, receiver_id)');
  }
}
