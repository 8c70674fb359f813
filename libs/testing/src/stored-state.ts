// What the "a refused request changes nothing" checks compare: every table a request
// may write, leaving out those the services write in the background whatever requests
// come (the audit-log projections, the delivery log, the retry agenda, login throttling,
// the outbox, which each test compares by its size, migrations, and the retry-scheduler's
// leadership lease, renewed every few seconds).
import type { Client } from 'pg';

export const BACKGROUND_TABLES: ReadonlySet<string> = new Set([
  'audit_events',
  'audit_changes',
  'audit_units',
  'deliveries',
  'delivery_attempts',
  'delivery_schedule',
  'login_throttle',
  'registry_outbox',
  'migrations',
  'typeorm_migrations',
  'service_leases',
]);

/** The public schema's tables that only requests write, by name. */
export async function requestWrittenTables(db: Client): Promise<string[]> {
  const r = await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1");
  return r.rows.map((row) => row.table_name).filter((t) => !BACKGROUND_TABLES.has(t));
}
