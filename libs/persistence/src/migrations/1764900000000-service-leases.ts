import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Leases that make one instance of a replicated service the active one (the
 * retry-scheduler: one instance releases retries and sweeps expiries at a time). A
 * holder keeps its lease by renewing it before it expires; another takes it over only
 * once it has expired. Owned by whichever service names the lease.
 */
export class ServiceLeases1764900000000 implements MigrationInterface {
  name = 'ServiceLeases1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_leases (
        name text PRIMARY KEY,
        holder text NOT NULL,
        acquired_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE service_leases');
  }
}
