import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The logs' large values (an event's data, a webhook's body, what an attempt sent and got
 * back) are compressed with lz4 instead of PostgreSQL's default pglz, once a row is large
 * enough to be compressed at all (about 2 KB). Measured with a GitHub `issues` event as
 * the body (15 KB): about 0.85x PostgreSQL's CPU to insert a row, the same size on disk,
 * reads as fast (bench/HISTORY.md, *6 December, 02:45*). Values already stored keep
 * pglz; both stay readable.
 *
 * A server built without lz4 refuses the method (feature_not_supported): the logs then
 * keep pglz, and the migration still counts as applied.
 */
const COLUMNS: [table: string, column: string][] = [
  ['audit_events', 'data'],
  ['deliveries', 'body'],
  ['delivery_attempts', 'request_body'],
  ['delivery_attempts', 'response_body'],
];

export class LogCompression1765000000000 implements MigrationInterface {
  name = 'LogCompression1765000000000';

  async up(q: QueryRunner): Promise<void> {
    const alters = COLUMNS.map(([t, c]) => `ALTER TABLE ${t} ALTER COLUMN ${c} SET COMPRESSION lz4;`).join('\n        ');
    await q.query(`
      DO $$
      BEGIN
        ${alters}
      EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'this PostgreSQL has no lz4: the logs keep pglz';
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [t, c] of COLUMNS) await q.query(`ALTER TABLE ${t} ALTER COLUMN ${c} SET COMPRESSION default`);
  }
}
