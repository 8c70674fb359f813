import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { tenantSchema, type ListenerStructure } from '@hookline/contracts';
import { purgeBatchSql } from '@hookline/listener-tables';

const PURGE_LOCK = 726_177;

@Injectable()
export class RetentionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` while holding the purge lock; false when another instance holds it. */
  async exclusively(work: () => Promise<void>): Promise<boolean> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [PURGE_LOCK]);
      if (!locked) return false;
      try {
        await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [PURGE_LOCK]);
      }
      return true;
    } finally {
      await runner.release();
    }
  }

  /**
   * Deletes one batch of root rows (and their children) older than the cutoff; how many.
   * `beforeCommit` gets the count while the delete is not yet committed (when there is one):
   * if it throws, the delete is rolled back, as if the batch had not been tried.
   */
  async purgeBatch(tenantId: string, s: ListenerStructure, cutoff: Date, limit: number, beforeCommit: (count: number) => Promise<void>): Promise<number> {
    const sql = purgeBatchSql(tenantSchema(tenantId), s, cutoff.toISOString(), limit);
    return this.dataSource.transaction(async (em) => {
      const r: [unknown, number] = await em.query(sql.text, sql.values);
      const count = r[1] ?? 0;
      if (count > 0) await beforeCommit(count);
      return count;
    });
  }

  /** Version rows (tombstones included) of records untouched since the cutoff. */
  async purgeVersions(listenerId: string, cutoff: Date, limit: number): Promise<number> {
    const r: [unknown, number] = await this.dataSource.query(
      'DELETE FROM listener_record_versions WHERE ctid = ANY(ARRAY(SELECT ctid FROM listener_record_versions WHERE listener_id = $1 AND updated_at < $2 LIMIT $3))',
      [listenerId, cutoff, limit],
    );
    return r[1] ?? 0;
  }

  async forgetVersions(listenerId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM listener_record_versions WHERE listener_id = $1', [listenerId]);
  }
}
